package io.sipedge.http.render;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * QR codes as PNG: error correction H (a logo or a smudge may cover up to 30 %), UTF-8 text, a
 * quiet zone of four modules, and at least {@value #MIN_SIZE} pixels a side, scaled by whole
 * modules so every module has the same number of pixels.
 */
public final class QrCodes {
    public static final int MIN_SIZE = 400;

    private QrCodes() {
    }

    public static byte[] png(String text) {
        try {
            BitMatrix m = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, Map.of(
                    EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.H,
                    EncodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name(),
                    EncodeHintType.MARGIN, 4));
            int modules = m.getWidth();
            int scale = Math.max(1, (MIN_SIZE + modules - 1) / modules);
            int size = modules * scale;
            BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_BINARY);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    img.setRGB(x, y, m.get(x / scale, y / scale) ? 0xFF000000 : 0xFFFFFFFF);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
            return out.toByteArray();
        } catch (WriterException e) {
            throw new IllegalArgumentException("text too long for a QR code at error correction H", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
