package io.cvs.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.journal.TestJournals;
import io.cvs.process.DaemonClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Swagger UI in a real browser (Debian's chromium, headless): the page the daemon serves at
 * {@code /swagger-ui.html} loads {@code openapi.yaml}, takes a token through "Authorize", and its "Try it out"
 * calls the daemon it was loaded from (the document's server is {@code /}), here on a random port. A viewer lists
 * the services; a viewer's create is refused in the page, and an admin's, typed into the form, creates the service.
 * A failed test leaves a screenshot and the page source under {@code target/selenium/} and prints their paths.
 * Without chromium or chromedriver it skips loudly, and fails where CI is set.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=memory",
    "cvs.security.admin-token=" + SwaggerUiInABrowserTest.ADMIN,
    "cvs.security.viewer-token=" + SwaggerUiInABrowserTest.VIEWER})
class SwaggerUiInABrowserTest {

    static final String ADMIN = "admin-token-for-the-swagger-ui-test";
    static final String VIEWER = "viewer-token-for-the-swagger-ui-test";

    /** Every wait in the page; the slowest step (the first render of the document) takes a second or two. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static HeadlessChromium browser;

    /** On a failed test, while the page is still there: its screenshot and source. */
    @RegisterExtension
    static final AfterTestExecutionCallback EVIDENCE = context -> {
        if (context.getExecutionException().isPresent() && browser != null) {
            browser.saveEvidence(context.getRequiredTestClass().getSimpleName() + "-"
                    + context.getRequiredTestMethod().getName());
        }
    };

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void journalDir(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("swagger-ui").toString());
    }

    @BeforeAll
    static void startBrowser() {
        HeadlessChromium.requireInstalled();
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    @Test
    void aViewerListsTheServicesWithTryItOut() throws Exception {
        HttpResponse<String> created = api("POST", "/api/v1/services", ADMIN, """
                {"name": "listed-before", "vip": "192.0.2.41", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "10.0.0.41", "port": 8080}]}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        openSwaggerUi();
        authorize(VIEWER);
        WebElement list = expand("listServices");
        tryItOut(list);
        leaveParametersEmpty(list);
        execute(list);

        assertThat(responseStatus(list)).isEqualTo("200");
        assertThat(list.findElement(By.cssSelector(".request-url pre")).getText())
                .isEqualTo(origin() + "/api/v1/services");
        JsonNode page = JSON.readTree(responseBody(list));
        assertThat(page.path("items").valueStream().map(item -> item.path("id").asString() + " "
                + item.path("name").asString() + " " + item.path("vip").asString()))
                .contains(JSON.readTree(created.body()).path("id").asString() + " listed-before 192.0.2.41");
    }

    @Test
    void anAdminCreatesAServiceThroughTheForm() throws Exception {
        String body = """
                {"name": "made-in-the-ui", "vip": "192.0.2.42", "port": 8080, "protocol": "TCP", \
                "backends": [{"address": "10.0.0.42", "port": 8080}]}""";

        openSwaggerUi();
        authorize(VIEWER);
        WebElement create = expand("createService");
        tryItOut(create);
        typeBody(create, body);
        execute(create);
        assertThat(responseStatus(create)).as("a viewer may not create").isEqualTo("403");
        assertThat(JSON.readTree(api("GET", "/api/v1/services", ADMIN, null).body()).path("items").valueStream()
                .map(item -> item.path("name").asString())).doesNotContain("made-in-the-ui");

        authorize(ADMIN);
        execute(create);
        assertThat(responseStatus(create)).isEqualTo("201");
        String id = JSON.readTree(responseBody(create)).path("id").asString();
        assertThat(id).isNotEmpty();

        HttpResponse<String> read = api("GET", "/api/v1/services/" + id, VIEWER, null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        JsonNode service = JSON.readTree(read.body());
        assertThat(service.path("name").asString()).isEqualTo("made-in-the-ui");
        assertThat(service.path("vip").asString()).isEqualTo("192.0.2.42");
        assertThat(service.path("port").asInt()).isEqualTo(8080);
        assertThat(service.path("backends").valueStream().map(b -> b.path("address").asString()).toList())
                .containsExactly("10.0.0.42");
    }

    private String origin() {
        return "http://127.0.0.1:" + port;
    }

    private WebDriver driver() {
        return browser.driver();
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(driver(), WAIT);
    }

    /** A fresh page (no token kept from another test), rendered down to its operations. */
    private void openSwaggerUi() {
        driver().get(origin() + "/swagger-ui.html");
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("operations-services-listServices")));
    }

    /** "Authorize", once logged out of any earlier token: the bearer token, Authorize, Close. */
    private void authorize(String token) {
        driver().findElement(By.cssSelector(".scheme-container button.authorize")).click();
        WebElement dialog = waiting().until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".dialog-ux .modal-ux")));
        List<WebElement> logout = dialog.findElements(By.cssSelector("button[aria-label='Remove authorization']"));
        if (!logout.isEmpty()) {
            logout.get(0).click();
        }
        WebElement input = waiting().until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".dialog-ux input[aria-label='auth-bearer-value']")));
        input.sendKeys(token);
        dialog.findElement(By.cssSelector("button[aria-label='Apply credentials']")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".dialog-ux button[aria-label='Remove authorization']")));
        dialog.findElement(By.cssSelector("button.btn-done")).click();
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".dialog-ux")));
    }

    /** Opens the operation (tag services) and returns its block. */
    private WebElement expand(String operationId) {
        WebElement operation = driver().findElement(By.id("operations-services-" + operationId));
        operation.findElement(By.cssSelector(".opblock-summary-control")).click();
        waiting().until(ExpectedConditions.visibilityOfNestedElementsLocatedBy(operation,
                By.cssSelector(".opblock-body")));
        return operation;
    }

    private void tryItOut(WebElement operation) {
        operation.findElement(By.cssSelector("button.try-out__btn")).click();
        waiting().until(ExpectedConditions.visibilityOfNestedElementsLocatedBy(operation,
                By.cssSelector("button.execute")));
    }

    /**
     * Empties every parameter the page filled in, and says which. Swagger UI fills each field from the
     * document's examples (name web, protocol TCP, an example cursor the daemon refuses as one it never issued...),
     * and a filter or a cursor the test did not choose would not give the list it means. Whether the document
     * should carry such examples is the document's business, not this test's.
     */
    private void leaveParametersEmpty(WebElement operation) {
        List<String> filled = new ArrayList<>();
        for (WebElement row : operation.findElements(By.cssSelector(".parameters tr[data-param-name]"))) {
            for (WebElement field : row.findElements(By.cssSelector("input[type='text']"))) {
                if (!field.getDomProperty("value").isEmpty()) {
                    filled.add(row.getDomAttribute("data-param-name") + "=" + field.getDomProperty("value"));
                    replaceText(field, "");
                }
            }
            for (WebElement field : row.findElements(By.cssSelector("select"))) {
                if (!field.getDomProperty("value").isEmpty()) {
                    filled.add(row.getDomAttribute("data-param-name") + "=" + field.getDomProperty("value"));
                    new Select(field).selectByValue("");
                }
            }
        }
        System.out.println("Swagger UI had filled in " + filled + "; the test emptied them");
    }

    /** The request body's text area, emptied of the example and given this body. */
    private void typeBody(WebElement operation, String body) {
        WebElement text = waiting().until(ExpectedConditions.visibilityOfNestedElementsLocatedBy(operation,
                By.cssSelector("textarea.body-param__text"))).get(0);
        replaceText(text, body);
        waiting().until(driver -> body.equals(text.getDomProperty("value")));
    }

    /** Types as a user would (React sees each key; setting the value by script would not reach its state). */
    private static void replaceText(WebElement field, String text) {
        field.click();
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        if (!text.isEmpty()) {
            field.sendKeys(text);
        }
    }

    /** Execute, then wait for the server's response of this call (an older one is cleared first). */
    private void execute(WebElement operation) {
        List<WebElement> clear = operation.findElements(By.cssSelector("button.btn-clear"));
        if (!clear.isEmpty()) {
            clear.get(0).click();
            waiting().until(driver -> operation.findElements(By.cssSelector(".live-responses-table")).isEmpty());
        }
        operation.findElement(By.cssSelector("button.execute")).click();
        waiting().until(ExpectedConditions.visibilityOfNestedElementsLocatedBy(operation,
                By.cssSelector(".live-responses-table .response .response-col_status")));
    }

    /** The status code the page shows for the call it made. */
    private static String responseStatus(WebElement operation) {
        return operation.findElement(By.cssSelector(".live-responses-table .response .response-col_status"))
                .getText().trim();
    }

    /** The response body as the page shows it. */
    private static String responseBody(WebElement operation) {
        return operation.findElement(By.cssSelector(".live-responses-table .response .response-col_description "
                + ".highlight-code pre")).getText();
    }

    /** The API directly, beside the page. */
    private HttpResponse<String> api(String method, String path, String token, String json) {
        return DaemonClient.at(origin(), token).send(method, path, json);
    }
}
