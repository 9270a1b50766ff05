package org.kmemu.core.experiment.report;

/** Text into HTML: every character that could end an element, an attribute or an entity is escaped. */
final class Html {
    private Html() {
    }

    /**
     * @param text any text (a title, a call site, a config value); null is empty
     * @return the text safe inside an element or a quoted attribute
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
