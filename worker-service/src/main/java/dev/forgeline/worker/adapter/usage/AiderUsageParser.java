package dev.forgeline.worker.adapter.usage;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Aider's plain output: after every model reply it prints
 * {@code Tokens: 12k sent, 2.1k cache write, 9.4k cache hit, 512 received. Cost: $0.05 message, $0.21 session.}
 * (the cache parts only when there were cache writes or hits, the cost part only when it knows the model's
 * price). Tokens are summed over the lines; the cost is the last {@code session} figure. Numbers use aider's
 * short form: {@code 850}, {@code 4.2k}, {@code 12k}, {@code 1.3M}.
 */
public final class AiderUsageParser implements UsageParser {
    private static final Pattern TOKENS = Pattern.compile(
            "Tokens: ([\\d.,]+[kKmM]?) sent(?:, ([\\d.,]+[kKmM]?) cache write)?(?:, ([\\d.,]+[kKmM]?) cache hit)?,"
                    + " ([\\d.,]+[kKmM]?) received\\.(?: Cost: \\$([\\d.]+) message, \\$([\\d.]+) session\\.)?");
    private static final Pattern MODEL = Pattern.compile("^(?:Main model|Model): (\\S+)");
    private long input;
    private long cached;
    private long output;
    private volatile long tokensSoFar;
    private BigDecimal messageCosts;
    private BigDecimal sessionCost;
    private String model;

    @Override
    public synchronized void accept(String line) {
        Matcher modelLine = MODEL.matcher(line);
        if (modelLine.find() && model == null) {
            model = modelLine.group(1);
            return;
        }
        Matcher m = TOKENS.matcher(line);
        if (!m.find()) {
            return;
        }
        input += count(m.group(1)) + count(m.group(2));
        cached += count(m.group(3));
        output += count(m.group(4));
        tokensSoFar = input + cached + output;
        if (m.group(5) != null) {
            BigDecimal message = new BigDecimal(m.group(5));
            messageCosts = messageCosts == null ? message : messageCosts.add(message);
            sessionCost = new BigDecimal(m.group(6));
        }
    }

    static long count(String text) {
        if (text == null) {
            return 0;
        }
        String t = text.replace(",", "").toLowerCase(Locale.ROOT);
        double factor = 1;
        if (t.endsWith("k")) {
            factor = 1_000;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            factor = 1_000_000;
            t = t.substring(0, t.length() - 1);
        }
        return Math.round(Double.parseDouble(t) * factor);
    }

    @Override
    public long tokensSoFar() {
        return tokensSoFar;
    }

    @Override
    public synchronized ParsedUsage finish() {
        BigDecimal cost = sessionCost != null ? sessionCost : messageCosts;
        return new ParsedUsage(input, output, cached, cost, model, null);
    }
}
