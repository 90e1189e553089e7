package dev.forgeline.systemtest;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import dev.forgeline.testsupport.browser.Chromium;
import org.awaitility.Awaitility;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * The review service's board ({@code /ui/board}) open in a real headless Chromium, and what a person reads on it.
 * Needs Debian's {@code chromium} and {@code chromium-driver}: {@link #open} skips the test without them, unless
 * {@code FORGELINE_REQUIRE_BROWSER=1} (CI sets it), then it fails.
 */
final class BoardBrowser implements AutoCloseable {
    static final Path SCREENSHOTS = ScratchFiles.HOME.resolve("system-test/target/screenshots");
    /** Set on the page's window once it is loaded: a reload would lose it. */
    private static final String LOADED_ONCE = "window.forgelineTestLoadedOnce";

    private final WebDriver browser;

    private BoardBrowser(WebDriver browser) {
        this.browser = browser;
    }

    /** Opens the board of the review service at {@code review} and marks the loaded page. */
    static BoardBrowser open(URI review, String token, Path profile) throws IOException {
        Chromium.require();
        WebDriver driver = Chromium.start(profile, 1400, Duration.ofSeconds(2));
        BoardBrowser board = new BoardBrowser(driver);
        try {
            // the board needs a signed-in person: without one it sends the browser to the sign-in form
            driver.get(review.resolve("/ui/board").toString());
            if (!driver.getCurrentUrl().endsWith("/ui/sign-in")) {
                throw new AssertionError("the board answered without a sign-in: " + driver.getCurrentUrl());
            }
            driver.findElement(By.id("token")).sendKeys(token);
            driver.findElement(By.cssSelector("form button[type=submit]")).click();
            // signed in: the form sends the browser on to the review queue; only then open the board
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> driver.getCurrentUrl().endsWith("/ui/reviews"));
            driver.get(review.resolve("/ui/board").toString());
            if (!"Forgeline board".equals(driver.getTitle())) {
                throw new AssertionError("not the board: " + driver.getTitle());
            }
            board.script(LOADED_ONCE + " = true;");
        } catch (RuntimeException | AssertionError e) {
            board.close();
            throw e;
        }
        return board;
    }

    /** What the board says about a service ({@code planner}, {@code dispatcher}). */
    String service(String name) {
        return text("#service-" + name);
    }

    /** The state shown for a task, or null while the task is not on the page. */
    String taskState(String specId, String taskId) {
        return text("#task-" + specId + "-" + taskId + "-state");
    }

    String taskTitle(String specId, String taskId) {
        return text("#task-" + specId + "-" + taskId + " .title");
    }

    String progress(String specId) {
        return text("#spec-" + specId + "-progress");
    }

    String specState(String specId) {
        return text("#spec-" + specId + "-state");
    }

    /**
     * The text of the first element matching a CSS selector, or null: read in one script, because a live update may
     * replace the element between finding it and reading it.
     */
    private String text(String selector) {
        Object text = script(
                "var e = document.querySelector(arguments[0]);"
                        + " return e === null ? null : e.textContent.replace(/\\s+/g, ' ').trim();",
                selector);
        return (String) text;
    }

    /** Elements under the specs section matching a CSS selector (markup injected through a title would show here). */
    int elementsInSpecs(String selector) {
        return ((Number) script("return document.querySelectorAll(arguments[0]).length;", "#specs " + selector))
                .intValue();
    }

    /** Whether the page loaded in {@link #open} is still the one shown (no reload since). */
    boolean neverReloaded() {
        return Boolean.TRUE.equals(script("return " + LOADED_ONCE + " === true;"));
    }

    /** Snapshots the page applied from the server-sent events. */
    long updatesApplied() {
        return ((Number) script("return window.boardUpdates;")).longValue();
    }

    Object script(String javascript, Object... arguments) {
        return Chromium.script(browser, javascript, arguments);
    }

    void screenshot(String name) throws IOException {
        Chromium.screenshot(browser, SCREENSHOTS, name);
    }

    @Override
    public void close() {
        browser.quit();
    }
}
