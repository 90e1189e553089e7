package dev.forgeline.planner;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.forgeline.testsupport.ForgelineInfraResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class BootTest {
    @Test
    void healthIsUp() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
