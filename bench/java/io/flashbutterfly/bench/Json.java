package io.flashbutterfly.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's one JSON reader (for {@link JsonReport} and {@link TrainingFigure}, no library)
 * and the writers' shared pieces. Reads any JSON text: an object as a {@link LinkedHashMap} (keys
 * in file order), an array as a {@link List}, a number as a {@link Long} where it is an integer
 * that fits, else a {@link Double}, a string, a {@link Boolean} or null.
 */
final class Json {
    private final String text;
    private int at;

    private Json(String text) {
        this.text = text;
    }

    /** The value the whole of text holds; IllegalArgumentException, with the offset, where it is not JSON. */
    static Object parse(String text) {
        Json json = new Json(text);
        Object value = json.value();
        json.space();
        if (json.at != text.length()) throw json.error("text after the value");
        return value;
    }

    /** s as a JSON string literal, quotes and escapes included. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }

    /** v exactly (the shortest decimal that reads back as v), or null where v is not finite. */
    static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    /** values as a JSON array of {@link #number}s. */
    static String array(double[] values) {
        StringBuilder out = new StringBuilder(values.length * 12 + 2).append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) out.append(", ");
            out.append(number(values[i]));
        }
        return out.append(']').toString();
    }

    /** value as an object; what names it in the error where it is not one. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value, String what) {
        if (value instanceof Map<?, ?> map) return (Map<String, Object>) map;
        throw new IllegalArgumentException(what + " must be a JSON object, got " + describe(value));
    }

    /** value as an array; what names it in the error where it is not one. */
    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        if (value instanceof List<?> list) return (List<Object>) list;
        throw new IllegalArgumentException(what + " must be a JSON array, got " + describe(value));
    }

    /** value as a double: NaN for null (how non-finite numbers are written). */
    static double toDouble(Object value, String what) {
        if (value == null) return Double.NaN;
        if (value instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(what + " must be a number, got " + describe(value));
    }

    /** value as a long; fallback for null. */
    static long toLong(Object value, long fallback, String what) {
        if (value == null) return fallback;
        if (value instanceof Long n) return n;
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p63) return d.longValue();
        throw new IllegalArgumentException(what + " must be an integer, got " + describe(value));
    }

    /** value as a string (null stays null). */
    static String toText(Object value, String what) {
        if (value == null || value instanceof String) return (String) value;
        throw new IllegalArgumentException(what + " must be a string, got " + describe(value));
    }

    /** An array of numbers as doubles (null entries as NaN). */
    static double[] toDoubles(Object value, String what) {
        List<Object> list = list(value, what);
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = toDouble(list.get(i), what + "[" + i + "]");
        return out;
    }

    private static String describe(Object value) {
        String s = String.valueOf(value);
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private Object value() {
        space();
        if (at >= text.length()) throw error("a value expected");
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected '" + c + "'");
            }
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> map = new LinkedHashMap<>();
        elements('}', () -> {
            space();
            if (peek() != '"') throw error("a member name expected");
            String key = string();
            space();
            expect(':');
            map.put(key, value());
        });
        return map;
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        elements(']', () -> list.add(value()));
        return list;
    }

    /** The comma-separated elements of an object or array, each read by element, from its opening bracket to close. */
    private void elements(char close, Runnable element) {
        at++; // { or [
        space();
        if (peek() == close) {
            at++;
            return;
        }
        while (true) {
            element.run();
            space();
            if (peek() == ',') {
                at++;
            } else {
                expect(close);
                return;
            }
        }
    }

    private String string() {
        at++; // "
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) throw error("unterminated string");
            char c = text.charAt(at++);
            if (c == '"') return out.toString();
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) throw error("unterminated string");
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length()) throw error("short \\u escape");
                    try {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Object number() {
        int start = at;
        boolean integer = true;
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == '.' || c == 'e' || c == 'E') {
                integer = false;
            } else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
                break;
            }
            at++;
        }
        String token = text.substring(start, at);
        try {
            if (integer) {
                try {
                    return Long.parseLong(token);
                } catch (NumberFormatException tooLong) {
                    return Double.parseDouble(token);
                }
            }
            return Double.parseDouble(token);
        } catch (NumberFormatException x) {
            at = start;
            throw error("bad number " + token);
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) throw error(word + " expected");
        at += word.length();
        return value;
    }

    private void space() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
    }

    private char peek() {
        if (at >= text.length()) throw error("unexpected end");
        return text.charAt(at);
    }

    private void expect(char c) {
        if (peek() != c) throw error("'" + c + "' expected");
        at++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("not JSON at offset " + at + ": " + what);
    }
}
