package dev.forgeline.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Every Kafka consumer of every service joins its group as a static member with an id of its own: without one, a
 * service restarted after kill -9 waits for the dead member's session to expire (about 40 s) before it reads again,
 * and two consumers of one group under one id would fence each other out. Reads each service's packaged
 * {@code application.properties} from the classpath.
 */
class KafkaMembershipConfigTest {
    private static final Pattern CHANNEL = Pattern.compile("mp\\.messaging\\.incoming\\.([a-z0-9-]+)\\.connector");

    @Test
    void everyConsumerOfEveryServiceIsAStaticMemberWithItsOwnId() throws IOException {
        List<URL> files = Collections.list(getClass().getClassLoader().getResources("application.properties"));
        List<String> services = new ArrayList<>();
        for (URL file : files) {
            Properties properties = new Properties();
            try (InputStream in = file.openStream()) {
                properties.load(in);
            }
            String service = properties.getProperty("quarkus.application.name", file.toString());
            services.add(service);
            Map<String, List<String>> idsByGroup = new HashMap<>();
            for (String key : properties.stringPropertyNames()) {
                Matcher channel = CHANNEL.matcher(key);
                if (!channel.matches()) {
                    continue;
                }
                String prefix = "mp.messaging.incoming." + channel.group(1) + ".";
                String instanceId = properties.getProperty(prefix + "group.instance.id");
                assertThat(instanceId)
                        .as("%s: channel %s has no group.instance.id", service, channel.group(1))
                        .isNotBlank();
                String group = properties.getProperty(prefix + "group.id", service);
                idsByGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(instanceId);
            }
            idsByGroup.forEach((group, ids) -> assertThat(ids)
                    .as("%s: instance ids in group %s", service, group)
                    .doesNotHaveDuplicates());
        }
        assertThat(services)
                .contains(
                        "planner-service", "dispatcher-service", "worker-service", "review-service", "metrics-service");
    }
}
