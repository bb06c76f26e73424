// The main() of a publishing service (registry, personnel, enrollment, finance).
#pragma once

#include "events/enums.h"

namespace annals {

int publishing_service_main(System system, int default_port, int argc, char** argv);

}  // namespace annals
