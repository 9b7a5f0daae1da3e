package com.brand.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.genuine.Genuine_ffiKt;
import dev.genuine.PinnedRoots;
import dev.genuine.Verdict;
import dev.genuine.Verifier;
import dev.genuine.VerifierConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The published SDK, resolved from a Maven repository, verifying a code. */
class ConsumerTest {
    private static final Path REPO = Path.of(System.getProperty("genuine.repo"));

    @Test
    void theInstalledSdkVerifiesAGenuineCode() throws Exception {
        Path dir = Files.createTempDirectory("consumer");
        PinnedRoots roots = Genuine_ffiKt.parseAnchor(Files.readString(REPO.resolve("cli/demo/anchor.txt")));
        VerifierConfig config =
            new VerifierConfig(dir.resolve("g.db").toString(), roots.getRootKeys(), roots.getRootThreshold(), null, 0);
        try (Verifier verifier = Verifier.Companion.open(config, null)) {
            verifier.importBundle(Files.readAllBytes(REPO.resolve("cli/demo/trust.bundle")));
            // The demo world's genuine code, from the published test vectors.
            String vectors = Files.readString(REPO.resolve("docs/test-vectors/vectors.json"));
            Matcher m = Pattern.compile("\"name\": \"genuine\",\\s*\"text\": \"([^\"]+)\"").matcher(vectors);
            m.find();
            String code = m.group(1);
            Verdict.Authentic verdict = assertInstanceOf(Verdict.Authentic.class, verifier.verify(code));
            assertEquals("acme", verdict.getIssuer().getBrandId());
        }
    }
}
