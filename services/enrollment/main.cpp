// annals-enrollment: the enrollment system's entry point into Annals (see services/publisher/).
#include "services/publisher/publishing_main.h"

int main(int argc, char** argv) {
  return annals::publishing_service_main(annals::System::enrollment, 8083, argc, argv);
}
