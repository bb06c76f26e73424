// The secured broker's bootstrap and upkeep, for deploy/local/broker in sasl mode. Run as a
// single-file Java program on the broker's own classpath (nothing else to fetch):
//
//   SecureCluster format SERVER_PROPERTIES CLUSTER_ID ADMIN_CLIENT
//       formats the storage (kafka-storage format) with the SCRAM-SHA-512 credential of the
//       super user `admin` (KIP-900), its password read from ADMIN_CLIENT, so that it never
//       appears on a command line
//   SecureCluster answers ADMIN_CLIENT
//       exits 0 when the broker answers a metadata request within two seconds
//   SecureCluster secure ADMIN_CLIENT CLIENTS_DIR < POLICY
//       for every CLIENTS_DIR/<principal>.properties but admin's: sets the principal's
//       SCRAM-SHA-512 credential to the password of its file; then makes the ACLs of those
//       principals exactly POLICY: creates the missing ones, deletes the others
//
// A client file is a librdkafka properties file (bootstrap.servers, security.protocol,
// sasl.mechanisms, sasl.username, sasl.password, ssl.ca.location), what every Annals process
// takes as --kafka-config; it is translated here to the Java client's names. POLICY is one
// ACL a line: `PRINCIPAL TOPIC|GROUP|CLUSTER LITERAL|PREFIXED NAME OPERATION`, all allowed,
// from any host. Nothing here prints a password.
import java.io.BufferedReader;
import java.io.FileReader;
import java.io.InputStreamReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

public class SecureCluster {
  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "format" -> format(args[1], args[2], load(args[3]));
      case "answers" -> System.exit(answers(load(args[1])) ? 0 : 1);
      case "secure" -> secure(load(args[1]), Path.of(args[2]));
      default -> {
        System.err.println("usage: SecureCluster format|answers|secure ...");
        System.exit(2);
      }
    }
  }

  static Properties load(String path) throws IOException {
    Properties p = new Properties();
    try (FileReader in = new FileReader(path)) {
      p.load(in);
    }
    return p;
  }

  static void format(String serverProperties, String clusterId, Properties admin) {
    String scram = "SCRAM-SHA-512=[name=" + admin.getProperty("sasl.username") + ",password="
        + admin.getProperty("sasl.password") + "]";
    kafka.tools.StorageTool.main(new String[] {
        "format", "-t", clusterId, "-c", serverProperties, "--add-scram", scram});
  }

  // The Java admin client's configuration for a librdkafka client file.
  static Properties javaClient(Properties c) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.getProperty("bootstrap.servers"));
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
    String protocol = c.getProperty("security.protocol", "PLAINTEXT");
    p.put("security.protocol", protocol);
    if (protocol.startsWith("SASL")) {
      p.put("sasl.mechanism", c.getProperty("sasl.mechanisms", "SCRAM-SHA-512"));
      p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
          + " username=\"" + c.getProperty("sasl.username") + "\" password=\""
          + c.getProperty("sasl.password") + "\";");
    }
    if (protocol.endsWith("SSL") && c.getProperty("ssl.ca.location") != null) {
      p.put("ssl.truststore.type", "PEM");
      p.put("ssl.truststore.location", c.getProperty("ssl.ca.location"));
    }
    return p;
  }

  static boolean answers(Properties client) {
    Properties p = javaClient(client);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
    try (Admin admin = Admin.create(p)) {
      return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  static void secure(Properties adminClient, Path clients) throws Exception {
    List<UserScramCredentialAlteration> users = new ArrayList<>();
    Set<String> principals = new HashSet<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(clients, "*.properties")) {
      for (Path f : files) {
        Properties c = load(f.toString());
        String name = c.getProperty("sasl.username");
        if (name == null || name.equals(adminClient.getProperty("sasl.username"))) continue;
        users.add(new UserScramCredentialUpsertion(name,
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
            c.getProperty("sasl.password")));
        principals.add("User:" + name);
      }
    }
    Set<AclBinding> wanted = policy(new BufferedReader(new InputStreamReader(System.in)));
    for (AclBinding b : wanted)
      if (!principals.contains(b.entry().principal()))
        throw new IllegalArgumentException("the policy names " + b.entry().principal()
            + ", who has no client file in " + clients);
    try (Admin admin = Admin.create(javaClient(adminClient))) {
      admin.alterUserScramCredentials(users).all().get(60, TimeUnit.SECONDS);
      List<AclBindingFilter> stale = new ArrayList<>();
      for (String principal : principals) {
        AclBindingFilter theirs = new AclBindingFilter(ResourcePatternFilter.ANY,
            new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY));
        for (AclBinding b : admin.describeAcls(theirs).values().get(60, TimeUnit.SECONDS))
          if (!wanted.contains(b)) stale.add(b.toFilter());
      }
      if (!stale.isEmpty()) admin.deleteAcls(stale).all().get(60, TimeUnit.SECONDS);
      admin.createAcls(wanted).all().get(60, TimeUnit.SECONDS);
      System.out.println("broker: " + users.size() + " principals with SCRAM-SHA-512 credentials, "
          + wanted.size() + " ACLs (" + stale.size() + " stale ones deleted)");
    }
  }

  static Set<AclBinding> policy(BufferedReader in) throws IOException {
    Set<AclBinding> out = new HashSet<>();
    for (String line; (line = in.readLine()) != null;) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String[] f = line.split("\\s+");
      if (f.length != 5) throw new IllegalArgumentException("policy line: " + line);
      ResourceType type = ResourceType.fromString(f[1]);
      PatternType pattern = PatternType.fromString(f[2]);
      AclOperation operation = AclOperation.fromString(f[4]);
      if (type == ResourceType.UNKNOWN || pattern == PatternType.UNKNOWN
          || operation == AclOperation.UNKNOWN || !f[0].startsWith("User:"))
        throw new IllegalArgumentException("policy line: " + line);
      out.add(new AclBinding(new ResourcePattern(type, f[3], pattern),
          new AccessControlEntry(f[0], "*", operation, AclPermissionType.ALLOW)));
    }
    return out;
  }
}
