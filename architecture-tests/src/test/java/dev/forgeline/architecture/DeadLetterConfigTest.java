package dev.forgeline.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.forgeline.contracts.Topics;
import dev.forgeline.embedded.KafkaAclTable;
import org.junit.jupiter.api.Test;

/**
 * Every consumer channel that dead-letters names its service's dead-letter topic, and that topic is one the
 * service's principal may write by the ACL table of docs/security.md (the table the ACL enforcement test grants):
 * with SmallRye's default, {@code dead-letter-topic-<channel>}, a service on an enforcing broker could not
 * dead-letter at all. Reads each service's packaged {@code application.properties}.
 */
class DeadLetterConfigTest {
    private static final Pattern STRATEGY =
            Pattern.compile("mp\\.messaging\\.incoming\\.([a-z0-9-]+)\\.failure-strategy");

    @Test
    void everyDeadLetteringChannelWritesItsServicesTopicWhichItsAclRowGrants() throws IOException {
        Map<String, KafkaAclTable.Row> rows =
                KafkaAclTable.read().stream().collect(Collectors.toMap(KafkaAclTable.Row::principal, r -> r));
        Map<String, Integer> channelsByService = new TreeMap<>();
        for (URL file : Collections.list(getClass().getClassLoader().getResources("application.properties"))) {
            Properties properties = new Properties();
            try (InputStream in = file.openStream()) {
                properties.load(in);
            }
            String service = properties.getProperty("quarkus.application.name", file.toString());
            String principal = service.replace("-service", "");
            for (String key : properties.stringPropertyNames()) {
                Matcher strategy = STRATEGY.matcher(key);
                if (!strategy.matches() || !"dead-letter-queue".equals(properties.getProperty(key))) {
                    continue;
                }
                String channel = strategy.group(1);
                String topic = properties.getProperty("mp.messaging.incoming." + channel + ".dead-letter-queue.topic");
                assertThat(topic)
                        .as("%s: channel %s dead-letters to", service, channel)
                        .isEqualTo("forgeline.dead-letter." + principal)
                        .isIn(Topics.DEAD_LETTERS);
                assertThat(rows).as("ACL row of %s", principal).containsKey(principal);
                assertThat(rows.get(principal).writes())
                        .as("%s's ACL row lets it write its dead-letter topic", principal)
                        .contains(topic);
                channelsByService.merge(service, 1, Integer::sum);
            }
        }
        assertThat(channelsByService)
                .containsOnlyKeys("planner-service", "dispatcher-service", "review-service", "metrics-service");
    }
}
