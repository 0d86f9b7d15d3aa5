package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web dashboard in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}), against a real coordinator that checks tokens and a real agent: sign
 * in, the overview, a job submitted here at the top of the jobs table, its log lines arriving live
 * on its page, and its Cancel button cancelling it. Screenshots of each page go to
 * {@code target/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {
  static final Duration PATIENCE = Cluster.PATIENCE;
  /** Selenium warns that it has no DevTools binding for this Chromium; nothing here uses one. */
  static final java.util.logging.Logger SELENIUM = java.util.logging.Logger.getLogger("org.openqa.selenium");
  Cluster c;
  String base;
  String admin;
  WebDriver browser;
  WebDriverWait await;
  Path shots;

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "dash-");
    Path tokens = dir.resolve("tokens");
    admin = AuthIT.createToken(tokens, "--role", "admin");
    int http = Ports.free();
    c = Cluster.withTokensAndHttp(tokens, admin, http);
    base = "http://127.0.0.1:" + http;
    c.worker("gpu-1", 4, "--token", AuthIT.createToken(tokens, "--role", "worker"), "--allow-exec",
        "--label", "zone=eu");
    SELENIUM.setLevel(java.util.logging.Level.SEVERE);
    shots = Files.createDirectories(Path.of("target", "screenshots"));
    ChromeOptions o = new ChromeOptions();
    o.setBinary(chromium());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,900", "--lang=en-GB");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, o);
    await = new WebDriverWait(browser, PATIENCE);
    // The page re-renders what it polls: an element found a moment ago may be replaced before it
    // is read. A wait looks again rather than failing on that.
    await.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
  }

  static String chromium() {
    for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    throw new IllegalStateException("no chromium installed (.ci/run installs Debian's chromium)");
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (c != null) {
      c.close();
    }
  }

  void shot(String name) throws Exception {
    Files.write(shots.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  WebElement visible(By by) {
    return await.until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  @Test
  void signIn_overview_jobsTable_liveLog_andCancel() throws Exception {
    // Sign in: a wrong token is refused, the right one lets the page in.
    browser.get(base + "/");
    visible(By.id("token")).sendKeys("not-a-token");
    browser.findElement(By.cssSelector("form.signin button")).click();
    await.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("form.signin .error"),
        "token"));
    shot("signin");
    visible(By.id("token")).sendKeys(admin);
    browser.findElement(By.cssSelector("form.signin button")).click();

    // The overview: counts and the connected worker.
    visible(By.cssSelector("[data-worker='gpu-1']"));
    assertTrue(browser.findElement(By.id("who")).getText().contains("admin"));
    JobId quick = c.client.submit(JobSpec.of("noop"));
    c.client.await(quick, PATIENCE);
    await.until(d -> !d.findElement(By.cssSelector("[data-stat='done']")).getText().equals("0"));

    // A job that writes a line a second, then waits: it heads the jobs table, newest first.
    JobId id = c.client.submit(JobSpec.newBuilder("exec").args("sh", "-c",
        "for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$i; sleep 1; done; sleep 120")
        .label("suite", "dashboard").build());
    browser.get(base + "/#/jobs?label=suite%3Ddashboard");
    WebElement first = visible(By.cssSelector("tbody tr"));
    assertEquals(id.value(), first.getAttribute("data-job"));
    browser.get(base + "/#/jobs");
    await.until(d -> id.value().equals(d.findElement(By.cssSelector("tbody tr")).getAttribute("data-job")));
    shot("jobs");

    // Its page: the lines arrive while the page is open, without reloading.
    browser.findElement(By.linkText(id.value())).click();
    visible(By.id("log"));
    await.until(d -> d.findElement(By.id("log")).getText().contains("line-1"));
    String early = browser.findElement(By.id("log")).getText();
    await.until(d -> d.findElement(By.id("log")).getText().contains("line-4"));
    assertTrue(!early.contains("line-4"), "line-4 came later, live: " + early);
    assertEquals("RUNNING", browser.findElement(By.cssSelector(".jobhead .badge")).getAttribute("data-state"));
    shot("job");

    // Cancel: the button asks first, then the job ends CANCELLED (seen by the API and the page).
    browser.findElement(By.xpath("//div[@class='actions']/button[text()='Cancel']")).click();
    await.until(ExpectedConditions.alertIsPresent()).accept();
    JobStatus done = c.client.await(id, PATIENCE);
    assertEquals(JobState.DONE, done.state());
    assertEquals(Optional.of(DoneReason.CANCELLED), done.reason());
    await.until(d -> "CANCELLED".equals(d.findElement(By.cssSelector(".jobhead .badge")).getAttribute("data-state")));
    visible(By.xpath("//div[@class='actions']/button[text()='Re-run']"));

    // The workers page, with an operator's buttons.
    browser.get(base + "/#/workers");
    visible(By.xpath("//tr[@data-worker='gpu-1']//button[text()='Drain']"));
    assertTrue(browser.findElement(By.cssSelector("[data-worker='gpu-1']")).getText().contains("zone=eu"));
    shot("workers");
    browser.get(base + "/#/");
    await.until(d -> !d.findElements(By.cssSelector("svg.chart path[data-series='finished']")).isEmpty());
    shot("overview");
  }
}
