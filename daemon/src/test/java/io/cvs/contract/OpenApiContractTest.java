package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;

/**
 * The daemon against openapi.yaml, its contract: every operation, its success and its main errors, over real HTTP,
 * every request and response validated against the document (see {@link ContractClient}). Runs last that every
 * operation the document declares was served.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class OpenApiContractTest {

    @Nested
    @Order(1)
    class ServiceReads extends ServiceReadContract {
    }

    @Nested
    @Order(2)
    class ServiceWrites extends ServiceWriteContract {
    }

    @Nested
    @Order(3)
    class DesiredState extends DesiredStateContract {
    }

    @Nested
    @Order(4)
    class Backends extends BackendContract {
    }

    @Nested
    @Order(5)
    class StatsAndDatapath extends StatsAndDatapathContract {
    }

    @Nested
    @Order(5)
    class State extends StateContract {
    }

    @Nested
    @Order(5)
    class Health extends HealthContract {
    }

    @Nested
    @Order(5)
    class Fleet extends FleetContract {
    }

    @Nested
    @Order(6)
    class Access extends AccessContract {
    }

    @Nested
    @Order(7)
    class Rules extends RulesContract {
    }

    @Nested
    @Order(8)
    class Capacity extends CapacityContract {
    }

    @Nested
    @Order(9)
    class Ipv6 extends Ipv6Contract {
    }

    @Nested
    @Order(10)
    class Selection extends SelectionContract {
    }

    @Nested
    @Order(11)
    class Document extends DocumentContract {
    }

    @Nested
    @Order(Integer.MAX_VALUE)
    class Coverage {

        @Test
        void everyOperationOfOpenapiYamlWasServedWithASuccessThatValidated() {
            assertThat(OpenApiContract.notServed()).as("operations of %s that no test saw served",
                    OpenApiContract.DOCUMENT).isEmpty();
            System.out.printf("%d requests and responses validated against %s, none broke it%n",
                    OpenApiContract.exchangesValidated(), OpenApiContract.DOCUMENT);
        }
    }
}
