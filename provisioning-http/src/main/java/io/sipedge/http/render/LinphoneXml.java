package io.sipedge.http.render;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * liblinphone's remote provisioning format: {@code <config xmlns="http://www.linphone.org/xsds/lpconfig.xsd">}
 * with {@code <section name>} and {@code <entry name overwrite="true">}, each section and entry in
 * the order added. Written with StAX, so every value is XML-escaped.
 */
public final class LinphoneXml {
    public static final String NAMESPACE = "http://www.linphone.org/xsds/lpconfig.xsd";
    public static final String CONTENT_TYPE = "application/xml; charset=utf-8";

    private final Map<String, Map<String, String>> sections = new LinkedHashMap<>();

    /** Adds (or replaces) an entry; a null value is left out. */
    public LinphoneXml entry(String section, String name, Object value) {
        if (value != null) {
            sections.computeIfAbsent(section, s -> new LinkedHashMap<>()).put(name, String.valueOf(value));
        }
        return this;
    }

    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.setDefaultNamespace(NAMESPACE);
            w.writeStartElement(NAMESPACE, "config");
            w.writeDefaultNamespace(NAMESPACE);
            for (Map.Entry<String, Map<String, String>> s : sections.entrySet()) {
                w.writeCharacters("\n  ");
                w.writeStartElement(NAMESPACE, "section");
                w.writeAttribute("name", s.getKey());
                for (Map.Entry<String, String> e : s.getValue().entrySet()) {
                    w.writeCharacters("\n    ");
                    w.writeStartElement(NAMESPACE, "entry");
                    w.writeAttribute("name", e.getKey());
                    w.writeAttribute("overwrite", "true");
                    w.writeCharacters(e.getValue());
                    w.writeEndElement();
                }
                w.writeCharacters("\n  ");
                w.writeEndElement();
            }
            w.writeCharacters("\n");
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write provisioning XML", e);
        }
        return out.toByteArray();
    }
}
