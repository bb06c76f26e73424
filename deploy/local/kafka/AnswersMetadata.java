// Exits 0 when the broker at args[0] answers a metadata request (describeCluster) within
// two seconds. Run by deploy/local/broker as a single-file Java program on the broker's
// own classpath, so it needs nothing but the jars already fetched.
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

public class AnswersMetadata {
  public static void main(String[] args) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
    try (Admin admin = Admin.create(p)) {
      int nodes = admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).size();
      System.exit(nodes > 0 ? 0 : 1);
    } catch (Exception e) {
      System.exit(1);
    }
  }
}
