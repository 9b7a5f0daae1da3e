package dev.genuine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A brand's Java backend calling the JVM artifact: plain Java types in and
 * out (int, long, Integer, String, byte[], java.nio.ByteBuffer), no Kotlin
 * unsigned types and no coroutines. If this compiles, the API is callable
 * from Java; the assertions check it also works.
 */
class JavaCallerTest {
    private static final Path REPO = Path.of(System.getProperty("genuine.repo", "../.."));

    @Test
    void aJavaBackendOpensImportsScansAndVerifies() throws Exception {
        Path dir = Files.createTempDirectory("genuine-java");
        PinnedRoots roots = Genuine_ffiKt.parseAnchor(Files.readString(REPO.resolve("cli/demo/anchor.txt")));
        int threshold = roots.getRootThreshold();
        VerifierConfig config =
            new VerifierConfig(dir.resolve("g.db").toString(), roots.getRootKeys(), threshold, null, 0);
        try (Verifier verifier = Verifier.Companion.open(config, null)) {
            ImportReport report = verifier.importBundle(Files.readAllBytes(REPO.resolve("cli/demo/trust.bundle")));
            assertEquals(List.of(1), report.getRootsAdded());
            int documents = report.getDocumentsUpdated();
            assertTrue(documents > 0);

            BufferedImage photo = ImageIO.read(REPO.resolve("tests/fixtures/genuine.png").toFile());
            int width = photo.getWidth();
            int height = photo.getHeight();
            ByteBuffer plane = ByteBuffer.allocateDirect(width * height);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int rgb = photo.getRGB(x, y);
                    int luma = (((rgb >> 16) & 0xff) * 299 + ((rgb >> 8) & 0xff) * 587 + (rgb & 0xff) * 114) / 1000;
                    plane.put(y * width + x, (byte) luma);
                }
            }
            List<ScanResult> codes = Frames.scanLuma(verifier, plane, width, height, width);
            assertEquals(1, codes.size());
            int cornerX = codes.get(0).getCorners().get(0).getX();
            assertTrue(cornerX >= 0);

            Verdict verdict = verifier.verify(codes.get(0).getText());
            Verdict.Authentic authentic = assertInstanceOf(Verdict.Authentic.class, verdict);
            assertEquals("Acme Foods", authentic.getIssuer().getBrandName());
            int kid = authentic.getIssuer().getKid();
            assertTrue(kid > 0);

            List<ScannedVerdict> found = Frames.scanAndVerify(verifier, plane, width, height, width);
            VerdictCard card = found.get(0).getCard();
            assertEquals(Tone.GENUINE, card.getTone());
            int argb = card.getToneArgb();
            assertEquals(0xFF, (argb >>> 24) & 0xFF, "opaque ARGB as an Android Color int");

            TrustStatus status = verifier.status();
            Integer rootVersion = status.getRootVersion();
            assertEquals(1, rootVersion);
            Long lastSync = status.getLastSync();
            assertEquals(null, lastSync);

            assertThrows(GenuineException.BadInput.class, () -> Frames.scanLuma(verifier, ByteBuffer.allocate(10), 1, 1, 1));
            // No coroutines needed: a blocking sync (this verifier has no feed: a caller's mistake).
            assertThrows(GenuineException.BadInput.class, verifier::syncBlocking);
        } finally {
            for (File f : dir.toFile().listFiles()) {
                f.delete();
            }
            dir.toFile().delete();
        }
    }
}
