package org.kmemu.api.compat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.kmemu.api.Architecture;
import org.kmemu.api.HostProvided;

/**
 * The signature of the plugin API as a plugin sees it, taken by reflection: one line per public type
 * and per public or protected member, keyed so that the same member has the same key in two versions.
 *
 * <p>Line format: {@code KEY<TAB>DESCRIPTION}. Keys: {@code type T}, {@code field T#name},
 * {@code ctor T(P,...)}, {@code method T#name(P,...)}. An interface's methods include the ones it
 * inherits, so a super-interface that brings an abstract method shows up as one. A method's
 * description ends in {@code abstract}, {@code default} or {@code concrete}, which is what decides
 * whether adding it breaks plugins that implement the type. A type's description says
 * {@code host-provided} when it carries {@link HostProvided} (plugins call it, never implement it).
 *
 * <p>Regenerate the snapshot of a released version with
 * {@code mvn -o -q test -pl api -Dtest=ApiCompatibilityTest -Dkmemu.api.write-snapshot=true}
 * (docs/extension-points.md, "How to evolve the SPI").
 */
public final class ApiSignatures {
    private ApiSignatures() {
    }

    /**
     * @return every public type of package org.kmemu.api, from the directory or jar it was loaded from
     * @throws IOException if the classes cannot be listed
     */
    public static List<Class<?>> apiTypes() throws IOException {
        Path root;
        try {
            root = Path.of(Architecture.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(root)) {
            Path pkg = root.resolve("org/kmemu/api");
            try (Stream<Path> files = Files.list(pkg)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class")).forEach(names::add);
            }
        } else {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
                jar.stream().map(java.util.jar.JarEntry::getName)
                        .filter(n -> n.startsWith("org/kmemu/api/") && n.indexOf('/', "org/kmemu/api/".length()) < 0 && n.endsWith(".class"))
                        .map(n -> n.substring("org/kmemu/api/".length())).forEach(names::add);
            }
        }
        List<Class<?>> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals("package-info.class")) {
                continue;
            }
            try {
                Class<?> c = Class.forName("org.kmemu.api." + n.substring(0, n.length() - ".class".length()), false,
                        Architecture.class.getClassLoader());
                if (Modifier.isPublic(c.getModifiers()) && isPubliclyReachable(c)) {
                    out.add(c);
                }
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }
        return out;
    }

    private static boolean isPubliclyReachable(Class<?> c) {
        for (Class<?> o = c; o != null; o = o.getDeclaringClass()) {
            if (!Modifier.isPublic(o.getModifiers())) {
                return false;
            }
        }
        return !c.isAnonymousClass() && !c.isLocalClass() && !c.isSynthetic();
    }

    /**
     * @param types the types to describe
     * @return key to description, sorted by key
     */
    public static Map<String, String> of(List<Class<?>> types) {
        Map<String, String> out = new TreeMap<>();
        for (Class<?> t : types) {
            describe(t, out);
        }
        return out;
    }

    private static void describe(Class<?> t, Map<String, String> out) {
        String name = t.getName();
        List<String> d = new ArrayList<>();
        d.add(kind(t));
        if (!t.isInterface() && Modifier.isFinal(t.getModifiers()) && !t.isEnum() && !t.isRecord()) {
            d.add("final");
        }
        if (!t.isInterface() && Modifier.isAbstract(t.getModifiers())) {
            d.add("abstract");
        }
        if (t.isSealed()) {
            d.add("sealed");
        }
        if (t.isAnnotationPresent(HostProvided.class)) {
            d.add("host-provided");
        }
        if (t.getSuperclass() != null && t.getSuperclass() != Object.class && !t.isEnum() && !t.isRecord()) {
            d.add("extends " + t.getGenericSuperclass().getTypeName());
        }
        List<String> supers = Arrays.stream(t.getGenericInterfaces()).map(Type::getTypeName).sorted().toList();
        if (!supers.isEmpty() && !t.isAnnotation()) {
            d.add("implements " + String.join(",", supers));
        }
        if (t.getTypeParameters().length > 0) {
            d.add("params <" + Arrays.stream(t.getTypeParameters()).map(ApiSignatures::typeVariable).collect(Collectors.joining(",")) + ">");
        }
        out.put("type " + name, String.join(" ", d));

        for (Field f : t.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic()) {
                out.put("field " + name + "#" + f.getName(), f.getGenericType().getTypeName() + modifiers(f.getModifiers(), true) + constant(f));
            }
        }
        if (!t.isInterface()) {
            for (Constructor<?> c : t.getDeclaredConstructors()) {
                if (visible(c.getModifiers()) && !c.isSynthetic()) {
                    out.put("ctor " + name + "(" + params(c.getGenericParameterTypes()) + ")", visibility(c.getModifiers()));
                }
            }
        }
        // An interface's own and inherited methods: an implementor must provide every abstract one.
        Method[] methods = t.isInterface() ? t.getMethods() : t.getDeclaredMethods();
        for (Method m : methods) {
            if (!visible(m.getModifiers()) || m.isSynthetic() || m.isBridge()) {
                continue;
            }
            String key = "method " + name + "#" + m.getName() + "(" + params(m.getGenericParameterTypes()) + ")";
            String impl = Modifier.isAbstract(m.getModifiers()) ? "abstract" : m.isDefault() ? "default" : "concrete";
            String generic = m.getTypeParameters().length == 0 ? ""
                    : "<" + Arrays.stream(m.getTypeParameters()).map(ApiSignatures::typeVariable).collect(Collectors.joining(",")) + "> ";
            String exceptions = m.getExceptionTypes().length == 0 ? ""
                    : " throws " + Arrays.stream(m.getGenericExceptionTypes()).map(Type::getTypeName).sorted().collect(Collectors.joining(","));
            out.putIfAbsent(key, generic + m.getGenericReturnType().getTypeName() + modifiers(m.getModifiers(), false) + exceptions + " " + impl);
        }
    }

    /**
     * @return {@code " = value"} for a compile-time constant: javac copies its value into the plugin,
     *         so a plugin built against the old value keeps it; changing one is a break
     */
    private static String constant(Field f) {
        int mod = f.getModifiers();
        if (!Modifier.isStatic(mod) || !Modifier.isFinal(mod) || !(f.getType().isPrimitive() || f.getType() == String.class)) {
            return "";
        }
        try {
            return " = " + f.get(null);
        } catch (IllegalAccessException e) {
            return "";
        }
    }

    private static String typeVariable(java.lang.reflect.TypeVariable<?> v) {
        String bounds = Arrays.stream(v.getBounds()).map(Type::getTypeName).filter(b -> !b.equals("java.lang.Object"))
                .collect(Collectors.joining("&"));
        return bounds.isEmpty() ? v.getName() : v.getName() + " extends " + bounds;
    }

    private static String kind(Class<?> t) {
        if (t.isAnnotation()) {
            return "annotation";
        }
        if (t.isInterface()) {
            return "interface";
        }
        if (t.isEnum()) {
            return "enum";
        }
        if (t.isRecord()) {
            return "record";
        }
        return "class";
    }

    private static boolean visible(int mod) {
        return Modifier.isPublic(mod) || Modifier.isProtected(mod);
    }

    private static String visibility(int mod) {
        return Modifier.isPublic(mod) ? "public" : "protected";
    }

    private static String modifiers(int mod, boolean field) {
        StringBuilder s = new StringBuilder(" ").append(visibility(mod));
        if (Modifier.isStatic(mod)) {
            s.append(" static");
        }
        if (Modifier.isFinal(mod) && field) {
            s.append(" final");
        }
        if (Modifier.isFinal(mod) && !field) {
            s.append(" final");
        }
        return s.toString();
    }

    private static String params(Type[] types) {
        return Arrays.stream(types).map(Type::getTypeName).collect(Collectors.joining(","));
    }

    /**
     * @param signatures key to description
     * @param version    the api version they are of
     * @return the snapshot file's text
     */
    public static String format(Map<String, String> signatures, String version) {
        StringBuilder s = new StringBuilder();
        s.append("# kmemu-api ").append(version).append(": every public type and public/protected member, by reflection.\n");
        s.append("# Generated by org.kmemu.api.compat.ApiSignatures; do not edit (docs/extension-points.md, \"How to evolve the SPI\").\n");
        signatures.forEach((k, v) -> s.append(k).append('\t').append(v).append('\n'));
        return s.toString();
    }

    /**
     * @param file a snapshot written by {@link #format}
     * @return key to description
     * @throws IOException if it cannot be read
     */
    public static Map<String, String> read(Path file) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int tab = line.indexOf('\t');
            out.put(line.substring(0, tab), line.substring(tab + 1));
        }
        return out;
    }

    /**
     * Writes the current api's snapshot.
     *
     * @param args the file to write, and the version it is of
     * @throws IOException if it cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ApiSignatures FILE VERSION");
            System.exit(2);
        }
        Files.writeString(Path.of(args[0]), format(of(apiTypes()), args[1]), StandardCharsets.UTF_8);
    }
}
