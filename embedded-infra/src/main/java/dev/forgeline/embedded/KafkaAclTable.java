package dev.forgeline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL table of the "Kafka" section of docs/security.md, read from the document itself so that what the tests
 * grant and what operators are told to grant cannot drift apart.
 */
public final class KafkaAclTable {
    /** The document, from a module's directory (where Maven runs its tests). */
    public static final Path SECURITY_DOC = Path.of("..", "docs", "security.md");

    static final String TOPIC_PREFIX = "forgeline.";
    private static final String HEADER = "| principal | reads (group) | writes |";
    private static final Pattern NAME = Pattern.compile("`([^`]+)`");

    /**
     * One principal's row: the topics it reads with its consumer group and the topics it writes (full names).
     *
     * @param group empty when the principal reads nothing
     */
    public record Row(String principal, Set<String> reads, Optional<String> group, Set<String> writes) {
        /** Read on each topic of the reads column and on the group, Write on each topic of the writes column. */
        public List<AclBinding> aclBindings() {
            List<AclBinding> acls = new ArrayList<>();
            reads.forEach(topic -> acls.add(allow(principal, ResourceType.TOPIC, topic, AclOperation.READ)));
            group.ifPresent(g -> acls.add(allow(principal, ResourceType.GROUP, g, AclOperation.READ)));
            writes.forEach(topic -> acls.add(allow(principal, ResourceType.TOPIC, topic, AclOperation.WRITE)));
            return acls;
        }
    }

    private KafkaAclTable() {}

    /** A literal ALLOW ACL for {@code principal} (a user name) from any host. */
    public static AclBinding allow(String principal, ResourceType type, String name, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry("User:" + principal, "*", operation, AclPermissionType.ALLOW));
    }

    /** The rows of the table in {@link #SECURITY_DOC}. */
    public static List<Row> read() {
        return read(SECURITY_DOC);
    }

    /** The rows of the table in {@code document} (docs/security.md of a checkout). */
    public static List<Row> read(Path document) {
        try {
            return parse(Files.readString(document));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the ACL table from " + document.toAbsolutePath(), e);
        }
    }

    static List<Row> parse(String markdown) {
        List<String> lines = markdown.lines().toList();
        int header = lines.indexOf(HEADER);
        if (header < 0) {
            throw new IllegalStateException("no ACL table with the header '" + HEADER + "' in " + SECURITY_DOC);
        }
        if (!lines.get(header + 1).startsWith("|---")) {
            throw new IllegalStateException("the ACL table's header in " + SECURITY_DOC + " has no separator row");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            rows.add(row(lines.get(i), i + 1));
        }
        return List.copyOf(rows);
    }

    private static Row row(String line, int lineNumber) {
        String[] cells =
                line.substring(1, line.length() - (line.endsWith("|") ? 1 : 0)).split("\\|", -1);
        if (cells.length != 3) {
            throw new IllegalStateException(
                    SECURITY_DOC + " line " + lineNumber + ": expected 3 cells, found " + cells.length + ": " + line);
        }
        String principal = cells[0].trim();
        String readCell = cells[1];
        int groupStart = readCell.indexOf('(');
        Set<String> reads = topics(groupStart < 0 ? readCell : readCell.substring(0, groupStart));
        Optional<String> group = groupStart < 0
                ? Optional.empty()
                : names(readCell.substring(groupStart)).stream().findFirst();
        if (!reads.isEmpty() && group.isEmpty()) {
            throw new IllegalStateException(SECURITY_DOC + " line " + lineNumber + ": " + principal
                    + " reads topics but names no consumer group in parentheses");
        }
        return new Row(principal, reads, group, topics(cells[2]));
    }

    private static Set<String> topics(String cell) {
        Set<String> topics = new LinkedHashSet<>();
        for (String name : names(cell)) {
            topics.add(TOPIC_PREFIX + name);
        }
        return topics;
    }

    private static List<String> names(String cell) {
        List<String> names = new ArrayList<>();
        Matcher m = NAME.matcher(cell);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
