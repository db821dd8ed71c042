package io.cvs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The daemon's structure as README.md states it, checked against the compiled main classes: the package table's
 * "imports" column is exactly what each package depends on, packages form no cycle, the JNA adapter is reached
 * only through its one entry, and no package grows past what one reader holds in mind.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.cvs");

    /**
     * A package table row: {@code | `io.cvs.x` | owns … | `io.cvs.y`, `io.cvs.z` |} ("nothing" for none). A row
     * naming a class (capitalised), as the benchmarks table does, is not a package row.
     */
    private static final Pattern ROW = Pattern.compile("^\\| `(io\\.cvs(?:\\.[a-z0-9]+)*)` \\|.*\\| ([^|]*) \\|$");
    private static final Pattern PACKAGE = Pattern.compile("`(io\\.cvs(?:\\.[a-z0-9]+)*)`");

    /** What one package holds at most: past this it is several features, to be split. */
    private static final int MAX_TYPES_PER_PACKAGE = 20;

    @Test
    void theReadmesPackageTableSaysExactlyWhatEachPackageImports() throws IOException {
        SortedMap<String, SortedSet<String>> documented = documentedImports();
        SortedMap<String, SortedSet<String>> actual = actualImports();

        assertThat(documented.keySet()).as("the packages the table lists (daemon/README.md)")
                .containsExactlyElementsOf(actual.keySet());
        actual.forEach((pkg, imports) -> assertThat(documented.get(pkg))
                .as("what %s imports, by its classes; README.md's table says %s", pkg, documented.get(pkg))
                .containsExactlyElementsOf(imports));
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching("io.cvs.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void onlyTheDatapathHostPackageReachesTheJnaAdapterAndOnlyThroughBpfDatapath() {
        noClasses().that().resideOutsideOfPackages("io.cvs.datapath.bpf", "io.cvs.datapath.host")
                .should().dependOnClassesThat().resideInAPackage("io.cvs.datapath.bpf")
                .check(MAIN);
        noClasses().that().resideInAPackage("io.cvs.datapath.host")
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("io.cvs.datapath.bpf")
                        .and(JavaClass.Predicates.simpleName("BpfDatapath").negate()))
                .check(MAIN);
        assertThat(MAIN.stream().filter(c -> c.getPackageName().equals("io.cvs.datapath.bpf"))
                .filter(c -> c.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC))
                .filter(c -> !c.isNestedClass() && !c.isAnonymousClass())
                .map(JavaClass::getSimpleName))
                .as("the public types of io.cvs.datapath.bpf").containsExactly("BpfDatapath");
    }

    @Test
    void noPackageHoldsMoreThanTwentyTypes() {
        Map<String, Long> sizes = new TreeMap<>();
        MAIN.stream().filter(c -> c.isTopLevelClass() && !c.getSimpleName().equals("package-info"))
                .forEach(c -> sizes.merge(c.getPackageName(), 1L, Long::sum));
        assertThat(sizes).as("top-level types per package").allSatisfy((pkg, types) ->
                assertThat(types).as(pkg).isLessThanOrEqualTo(MAX_TYPES_PER_PACKAGE));
    }

    private static SortedMap<String, SortedSet<String>> documentedImports() throws IOException {
        SortedMap<String, SortedSet<String>> table = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher row = ROW.matcher(line.strip());
            if (row.matches()) {
                SortedSet<String> imports = new TreeSet<>();
                Matcher pkg = PACKAGE.matcher(row.group(2));
                while (pkg.find()) {
                    imports.add(pkg.group(1));
                }
                table.put(row.group(1), imports);
            }
        }
        assertThat(table).as("package rows in daemon/README.md").isNotEmpty();
        return table;
    }

    private static SortedMap<String, SortedSet<String>> actualImports() {
        SortedMap<String, SortedSet<String>> imports = new TreeMap<>();
        for (JavaClass c : MAIN) {
            String from = c.getPackageName();
            SortedSet<String> to = imports.computeIfAbsent(from, k -> new TreeSet<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String target = d.getTargetClass().getPackageName();
                if (target.startsWith("io.cvs") && !target.equals(from)) {
                    to.add(target);
                }
            }
        }
        return imports;
    }
}
