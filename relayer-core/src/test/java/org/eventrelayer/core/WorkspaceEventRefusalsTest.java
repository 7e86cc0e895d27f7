package org.eventrelayer.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.Refusal;
import org.eventrelayer.RefusalReason;
import org.eventrelayer.RelayResult;
import org.eventrelayer.WorkspaceEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a workspace event can break the workspace's table is refused at {@code notify} with a reason naming
 * the field, and nothing refused is ever sent. (Acceptance of every row, read back from a broker, is in
 * relayer-kafka's {@code WorkspaceEventsKafkaTest}.)
 */
class WorkspaceEventRefusalsTest {

  private static String service;
  private static EventRelayerGroup group;

  @BeforeAll
  static void start() {
    service = Groups.uniqueService();
    group = EventRelayerGroup.fromMap(Map.of(
        "relayers", Map.of("workspace", Map.of("type", "workspace-event", "stream", "workspace-events"),
            "default", Map.of("type", "null")),
        "eventServices", Map.of(service, Map.of("type", "scripted"))));
  }

  @AfterAll
  static void stop() {
    group.close(Duration.ofSeconds(2));
  }

  private static Map<String, Object> edit(Map<String, Object> event, Consumer<Map<String, Object>> change) {
    Map<String, Object> copy = new LinkedHashMap<>(event);
    change.accept(copy);
    return copy;
  }

  private static Arguments refused(String what, Map<String, Object> base, Consumer<Map<String, Object>> change,
      String detail) {
    return Arguments.of(what, edit(base, change), detail);
  }

  static Stream<Arguments> invalidEvents() {
    Map<String, Object> save = WorkspaceEvent.saveObject("alice", 42, 7, 3, "KBaseGenomes.Genome-8.2");
    Map<String, Object> rename = WorkspaceEvent.renameObject("alice", 42, 7);
    Map<String, Object> perm = WorkspaceEvent.setPermission("alice", 42, "w", List.of("bob"));
    Map<String, Object> clone = WorkspaceEvent.cloneWorkspace("alice", 42);
    List<Arguments> cases = new ArrayList<>(List.of(
        // always present
        refused("no evtype", save, e -> e.remove("evtype"), "'evtype' is required"),
        refused("unknown evtype", save, e -> e.put("evtype", "NEW_OBJECT"), "'evtype' must be one of"),
        refused("evtype not a string", save, e -> e.put("evtype", 1), "'evtype' must be one of"),
        refused("no wsid", clone, e -> e.remove("wsid"), "'wsid' is required for CLONE_WORKSPACE"),
        refused("wsid zero", clone, e -> e.put("wsid", 0), "'wsid' must be a positive integer, got 0"),
        refused("wsid a string", clone, e -> e.put("wsid", "42"), "'wsid' must be a positive integer"),
        refused("wsid a double", clone, e -> e.put("wsid", 42.0), "java.lang.Double"),
        refused("no time", clone, e -> e.remove("time"), "'time' is required"),
        refused("time a string", clone, e -> e.put("time", "2026-11-30T12:00:00Z"), "'time' must be epoch"),
        refused("time negative", clone, e -> e.put("time", -1L), "between 1970 and 9999"),
        refused("time beyond 9999", clone, e -> e.put("time", Instant.MAX), "between 1970 and 9999"),
        // NEW_VERSION: objid, ver, objtype
        refused("NEW_VERSION without objid", save, e -> e.remove("objid"), "'objid' is required for NEW_VERSION"),
        refused("NEW_VERSION without ver", save, e -> e.put("ver", null), "'ver' is required for NEW_VERSION"),
        refused("NEW_VERSION without objtype", save, e -> e.remove("objtype"), "'objtype' is required"),
        refused("ver too big", save, e -> e.put("ver", 1L << 40), "'ver' must be at most"),
        refused("objtype not a type string", save, e -> e.put("objtype", "Genome"), "KBase type string"),
        refused("objtype a number", save, e -> e.put("objtype", 8), "'objtype' must be a string"),
        refused("NEW_VERSION with perm", save, e -> e.put("perm", "r"), "'perm' must be null or absent"),
        // objid only
        refused("RENAME_OBJECT without objid", rename, e -> e.remove("objid"), "'objid' is required"),
        refused("RENAME_OBJECT with ver", rename, e -> e.put("ver", 2), "'ver' must be null or absent for"),
        refused("RENAME_OBJECT with objtype", rename, e -> e.put("objtype", "A.B-1.0"), "'objtype' must be null"),
        refused("objid negative", rename, e -> e.put("objid", -7), "'objid' must be a positive integer"),
        // SET_PERMISSION: perm, permusers
        refused("SET_PERMISSION without perm", perm, e -> e.remove("perm"), "'perm' is required"),
        refused("perm unknown", perm, e -> e.put("perm", "admin"), "'perm' must be one of r, w, a, n"),
        refused("SET_PERMISSION without permusers", perm, e -> e.put("permusers", null), "'permusers' is required"),
        refused("permusers empty", perm, e -> e.put("permusers", List.of()), "at least one user"),
        refused("permusers not a list", perm, e -> e.put("permusers", "bob"), "must be a list"),
        refused("permusers with a number", perm, e -> e.put("permusers", List.of(7)), "'permusers[0]' must be"),
        refused("permusers huge", perm, e -> e.put("permusers", Collections.nCopies(Integer.MAX_VALUE, "u")),
            "more than 10000 users"),
        refused("SET_PERMISSION with objid", perm, e -> e.put("objid", 7), "'objid' must be null or absent"),
        refused("permusers outside SET_PERMISSION", clone, e -> e.put("permusers", List.of("bob")),
            "only SET_PERMISSION carries it"),
        // fields and users
        refused("unknown field", clone, e -> e.put("name", "x"), "unknown field 'name'"),
        refused("blank user", clone, e -> e.put("user", " "), "'user' must not be blank"),
        refused("user a number", clone, e -> e.put("user", 5), "'user' must be a string")));
    for (Map<String, Object> e : List.of(save, rename, clone, WorkspaceEvent.copyObject("a", 1, 2),
        WorkspaceEvent.setObjectDeleted("a", 1, 2), WorkspaceEvent.setObjectHidden("a", 1, 2),
        WorkspaceEvent.setGlobalPermission("a", 1))) {
      cases.add(refused("null user for " + e.get("evtype"), e, m -> m.put("user", null), "'user' is required for "
          + e.get("evtype")));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidEvents")
  void isRefusedWithAReasonAndNothingIsSent(String what, Map<String, Object> event, String detail) {
    int sentBefore = ScriptedTransport.of(service).events().size();
    RelayResult r = group.getRelayer("workspace").notify("workspace", event);
    assertThat(r.accepted()).isZero();
    Refusal refusal = r.refused().get(0);
    assertThat(refusal.reason()).isEqualTo(RefusalReason.INVALID_EVENT);
    assertThat(refusal.detail()).contains(detail);
    assertThat(group.flush(Duration.ofSeconds(5))).isTrue();
    assertThat(ScriptedTransport.of(service).events()).hasSize(sentBefore);
  }

  @Test
  void aNullUserIsAcceptedExactlyWhereTheTableAllowsIt() {
    List<Map<String, Object>> adminEvents = List.of(WorkspaceEvent.setPermission(null, 1, "n", List.of("bob")),
        WorkspaceEvent.setWorkspaceDeleted(null, 1), WorkspaceEvent.setWorkspaceDescription(null, 1),
        WorkspaceEvent.setWorkspaceOwner(null, 1));
    RelayResult r = group.getRelayer("workspace").notifyMulti("workspace", adminEvents);
    assertThat(r.refused()).isEmpty();
    assertThat(group.flush(Duration.ofSeconds(5))).isTrue();
    assertThat(ScriptedTransport.of(service).events()).filteredOn(j -> j.startsWith("{\"user\":null,"))
        .hasSizeGreaterThanOrEqualTo(4);
  }
}
