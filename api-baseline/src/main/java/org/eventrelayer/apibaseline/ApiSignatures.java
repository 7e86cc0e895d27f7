package org.eventrelayer.apibaseline;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * The public API of one module, as text: its descriptor's unqualified exports and transitive requires, then every
 * public or protected class of an exported package with its public and protected members (as {@code javap
 * -protected -constants} prints them, so generic signatures and constant values count), classes and members sorted
 * so that reordering the source changes nothing. Read from compiled classes; nothing is loaded.
 */
final class ApiSignatures {

  /** The line that starts the module section; class sections start with their declaration. */
  static final String MODULE_KEY = "(module)";

  private ApiSignatures() {}

  /**
   * The API of the module compiled into {@code classes}, by section: {@link #MODULE_KEY} for the descriptor, then
   * one section per class (its binary name), whose first line is its declaration.
   */
  static Map<String, List<String>> of(Path classes) throws IOException {
    ModuleDescriptor module;
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      module = ModuleDescriptor.read(in);
    }
    Map<String, List<String>> api = new TreeMap<>();
    List<String> header = new ArrayList<>();
    header.add("module " + module.name());
    module.requires().stream()
        .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
        .map(r -> "requires transitive " + (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)
            ? "static " : "") + r.name())
        .sorted().forEach(header::add);
    TreeSet<String> exported = new TreeSet<>();
    module.exports().stream().filter(e -> !e.isQualified()).forEach(e -> exported.add(e.source()));
    exported.forEach(p -> header.add("exports " + p));
    api.put(MODULE_KEY, header);

    List<String> names = new ArrayList<>();
    for (String pkg : exported) {
      try (Stream<Path> files = Files.list(classes.resolve(pkg.replace('.', '/')))) {
        files.map(f -> f.getFileName().toString())
            .filter(f -> f.endsWith(".class") && !f.equals("package-info.class"))
            .map(f -> pkg + "." + f.substring(0, f.length() - ".class".length()))
            .sorted().forEach(names::add);
      }
    }
    if (!names.isEmpty()) {
      api.putAll(visible(javap(classes, names), names));
    }
    return api;
  }

  /** The sections of the classes users can reach: public/protected, and so is every class enclosing them. */
  private static Map<String, List<String>> visible(List<List<String>> blocks, List<String> names) {
    Map<String, List<String>> all = new TreeMap<>();
    for (int i = 0; i < names.size(); i++) {
      List<String> block = blocks.get(i);
      String declaration = block.get(0);
      if (declaration.startsWith("public ") || declaration.startsWith("protected ")) {
        List<String> section = new ArrayList<>();
        section.add(declaration);
        block.subList(1, block.size()).stream().sorted().forEach(section::add);
        all.put(names.get(i), section);
      }
    }
    all.keySet().removeIf(name -> !enclosingVisible(name, all.keySet()));
    return all;
  }

  private static boolean enclosingVisible(String name, Set<String> visible) {
    for (int i = name.indexOf('$'); i > 0; i = name.indexOf('$', i + 1)) {
      if (!visible.contains(name.substring(0, i))) {
        return false;
      }
    }
    return true;
  }

  /** One block per class, in the order given: the declaration, then the members' lines, trimmed. */
  private static List<List<String>> javap(Path classes, List<String> names) {
    ToolProvider tool = ToolProvider.findFirst("javap")
        .orElseThrow(() -> new IllegalStateException("javap is not in this JDK (a JRE cannot check the API)"));
    List<String> args = new ArrayList<>(List.of("-protected", "-constants", "-cp", classes.toString()));
    args.addAll(names);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = tool.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    if (code != 0) {
      throw new IllegalStateException("javap failed (" + code + "): " + err);
    }
    List<List<String>> blocks = new ArrayList<>();
    List<String> current = null;
    for (String line : out.toString().split("\\R")) {
      if (line.isBlank() || line.startsWith("Compiled from ")) {
        continue;
      }
      if (current == null) {
        current = new ArrayList<>();
        current.add(line.endsWith(" {") ? line.substring(0, line.length() - 2) : line);
      } else if (line.equals("}")) {
        blocks.add(current);
        current = null;
      } else {
        current.add(line.strip());
      }
    }
    if (blocks.size() != names.size()) {
      throw new IllegalStateException("javap printed " + blocks.size() + " classes for " + names.size());
    }
    return blocks;
  }

  /** The text form: each section's first line flush left, its other lines indented by two spaces. */
  static String format(Map<String, List<String>> api) {
    StringBuilder text = new StringBuilder();
    for (List<String> section : api.values()) {
      text.append(section.get(0)).append('\n');
      section.subList(1, section.size()).forEach(line -> text.append("  ").append(line).append('\n'));
    }
    return text.toString();
  }

  /** Reads the text form back; a class section's key is the binary name in its declaration. */
  static Map<String, List<String>> parse(List<String> lines) {
    Map<String, List<String>> api = new TreeMap<>();
    List<String> section = null;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("  ") && section != null) {
        section.add(line.substring(2));
      } else {
        section = new ArrayList<>();
        section.add(line);
        api.put(line.startsWith("module ") ? MODULE_KEY : className(line), section);
      }
    }
    return api;
  }

  /** The binary name in a javap declaration ({@code public final class a.b.C<T> implements ...}). */
  static String className(String declaration) {
    String[] words = declaration.split(" ");
    for (int i = 0; i < words.length - 1; i++) {
      if (Set.of("class", "interface", "enum", "record").contains(words[i])) {
        String name = words[i + 1];
        int generic = name.indexOf('<');
        return generic < 0 ? name : name.substring(0, generic);
      }
    }
    throw new IllegalArgumentException("not a class declaration: " + declaration);
  }
}
