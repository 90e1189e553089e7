package dev.forgeline.review;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium for the page tests, driven through chromedriver. Needs Debian's {@code chromium} and
 * {@code chromium-driver}: a test is skipped without them, unless {@code FORGELINE_REQUIRE_BROWSER=1} (CI sets it),
 * then it fails.
 */
final class Chromium {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private Chromium() {}

    static void require() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.add(CHROMIUM + " (Debian package chromium)");
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            missing.add(CHROMEDRIVER + " (Debian package chromium-driver)");
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "the review page test needs " + String.join(" and ", missing);
        if (browserRequired(System.getenv("FORGELINE_REQUIRE_BROWSER"))) {
            throw new AssertionError(message + ", and FORGELINE_REQUIRE_BROWSER=1 requires it");
        }
        Assumptions.abort(message);
    }

    /** Whether the browser test must run: {@code FORGELINE_REQUIRE_BROWSER=1} (or {@code true}). */
    static boolean browserRequired(String setting) {
        return setting != null
                && (setting.strip().equals("1") || setting.strip().equalsIgnoreCase("true"));
    }

    /** A fresh browser with its own profile under {@code tmp}; the caller quits it. */
    static WebDriver start(Path tmp) throws Exception {
        // the driver is given explicitly, so Selenium Manager never looks for (or downloads) one
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,1000",
                "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium-profile")));
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().implicitlyWait(Duration.ofSeconds(10));
        Files.createDirectories(SCREENSHOTS);
        return driver;
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
        return ((JavascriptExecutor) browser).executeScript(script, arguments);
    }

    static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
