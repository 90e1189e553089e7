package dev.forgeline.review;

import java.nio.file.Path;
import java.time.Duration;

import dev.forgeline.testsupport.browser.Chromium;
import org.openqa.selenium.WebDriver;

/** The review pages' tests' view of headless Chromium: a browser per test and the page's text, read in one script. */
final class PageBrowser {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private PageBrowser() {}

    static void require() {
        Chromium.require();
    }

    /** A fresh browser with its own profile under {@code tmp}; the caller quits it. */
    static WebDriver start(Path tmp) throws Exception {
        return Chromium.start(tmp.resolve("chromium-profile"), 1000, Duration.ofSeconds(10));
    }

    /**
     * The text of the element the selector finds, read in one script: the board swaps its sections when an update
     * arrives, so an element found first and read afterwards may be gone by then.
     */
    static String text(WebDriver browser, String selector) {
        return (String) script(
                browser,
                "const e = document.querySelector(arguments[0]); return e == null ? null : e.innerText.trim();",
                selector);
    }

    static Object script(WebDriver browser, String script, Object... arguments) {
        return Chromium.script(browser, script, arguments);
    }

    static void screenshot(WebDriver browser, String name) throws Exception {
        Chromium.screenshot(browser, SCREENSHOTS, name);
    }
}
