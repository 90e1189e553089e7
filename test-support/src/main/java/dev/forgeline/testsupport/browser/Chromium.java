package dev.forgeline.testsupport.browser;

import java.io.File;
import java.io.IOException;
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
 * then it fails. Modules that use it declare {@code selenium-java} themselves (test-support does not pass it on).
 */
public final class Chromium {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private Chromium() {}

    /** Skips the calling test when the browser is missing, or fails it when CI requires the browser. */
    public static void require() {
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
        String message = "the browser test needs " + String.join(" and ", missing);
        if (browserRequired(System.getenv("FORGELINE_REQUIRE_BROWSER"))) {
            throw new AssertionError(message + ", and FORGELINE_REQUIRE_BROWSER=1 requires it");
        }
        Assumptions.abort(message);
    }

    /** Whether the browser test must run: {@code FORGELINE_REQUIRE_BROWSER=1} (or {@code true}). */
    public static boolean browserRequired(String setting) {
        return setting != null
                && (setting.strip().equals("1") || setting.strip().equalsIgnoreCase("true"));
    }

    /**
     * A fresh browser with its own profile directory, a window of 1280 x {@code height} and the given implicit wait
     * for elements; the caller quits it.
     */
    public static WebDriver start(Path profile, int height, Duration implicitWait) throws IOException {
        // the driver is given explicitly, so Selenium Manager never looks for (or downloads) one
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // without the background-networking switches Chromium keeps calling out, and a closed network refuses it
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
                "--window-size=1280," + height,
                "--user-data-dir=" + Files.createDirectories(profile));
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().implicitlyWait(implicitWait);
        return driver;
    }

    public static Object script(WebDriver browser, String script, Object... arguments) {
        return ((JavascriptExecutor) browser).executeScript(script, arguments);
    }

    /** Saves what the browser shows as {@code directory/name} (a PNG), kept as test output. */
    public static void screenshot(WebDriver browser, Path directory, String name) throws IOException {
        Files.createDirectories(directory);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), directory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
