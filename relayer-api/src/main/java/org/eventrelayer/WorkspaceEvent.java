package org.eventrelayer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds KBase workspace events for a {@code workspace-event} relayer: one factory per row of the workspace's
 * event table, each returning the event in the shape KBase's Kafka notifier emits (all nine fields, {@code null}
 * where the event type has no value, {@code permusers} empty except for {@code SET_PERMISSION}).
 *
 * <pre>{@code
 * EventRelayer ws = group.getRelayer("workspace");
 * ws.notify("workspace", WorkspaceEvent.saveObject("alice", 42, 7, 3, "KBaseGenomes.Genome-8.2"));
 * }</pre>
 *
 * <p>{@code time} is the moment the factory is called, in epoch milliseconds; a host that knows the action's own
 * time (e.g. an object's save date) puts it in the returned map, which is mutable, as a long or an
 * {@link java.time.Instant}. A {@code user} may be {@code null} only where the table allows an administrator to
 * act without one; the other factories reject a {@code null} user at once.
 */
public final class WorkspaceEvent {

  private WorkspaceEvent() {}

  // ---- objects

  /** A new version of an object ({@code NEW_VERSION}): the common form of save, copy one version and revert. */
  public static Map<String, Object> newVersion(String user, long wsid, long objid, int ver, String objtype) {
    return event(required(user), wsid, objid, ver, "NEW_VERSION", objtype, null, List.of());
  }

  /** Row "save object": {@code NEW_VERSION}. */
  public static Map<String, Object> saveObject(String user, long wsid, long objid, int ver, String objtype) {
    return newVersion(user, wsid, objid, ver, objtype);
  }

  /** Row "copy one version": {@code NEW_VERSION} of the copy. */
  public static Map<String, Object> copyObjectVersion(String user, long wsid, long objid, int ver, String objtype) {
    return newVersion(user, wsid, objid, ver, objtype);
  }

  /** Row "revert object": {@code NEW_VERSION} holding the reverted content. */
  public static Map<String, Object> revertObject(String user, long wsid, long objid, int ver, String objtype) {
    return newVersion(user, wsid, objid, ver, objtype);
  }

  /** Row "copy all versions": {@code COPY_OBJECT}. */
  public static Map<String, Object> copyObject(String user, long wsid, long objid) {
    return objectEvent(user, wsid, objid, "COPY_OBJECT");
  }

  /** Row "rename object": {@code RENAME_OBJECT}. */
  public static Map<String, Object> renameObject(String user, long wsid, long objid) {
    return objectEvent(user, wsid, objid, "RENAME_OBJECT");
  }

  /** Row "set object un/deleted": {@code OBJECT_DELETE_STATE_CHANGE}. */
  public static Map<String, Object> setObjectDeleted(String user, long wsid, long objid) {
    return objectEvent(user, wsid, objid, "OBJECT_DELETE_STATE_CHANGE");
  }

  /** Row "set object un/hidden": {@code OBJECT_HIDE_STATE_CHANGE}. */
  public static Map<String, Object> setObjectHidden(String user, long wsid, long objid) {
    return objectEvent(user, wsid, objid, "OBJECT_HIDE_STATE_CHANGE");
  }

  // ---- workspaces

  /** Row "clone workspace": {@code CLONE_WORKSPACE}. */
  public static Map<String, Object> cloneWorkspace(String user, long wsid) {
    return workspaceEvent(required(user), wsid, "CLONE_WORKSPACE");
  }

  /**
   * Row "set permission": {@code SET_PERMISSION}.
   *
   * @param user who changed them; {@code null} for an administrator acting without impersonating anyone
   * @param perm the new permission: {@code r}, {@code w}, {@code a} or {@code n} (none)
   * @param users the users whose permission changed (at least one)
   */
  public static Map<String, Object> setPermission(String user, long wsid, String perm, List<String> users) {
    return event(user, wsid, null, null, "SET_PERMISSION", null, perm, new ArrayList<>(users));
  }

  /** Row "set global permission": {@code SET_GLOBAL_PERMISSION}. */
  public static Map<String, Object> setGlobalPermission(String user, long wsid) {
    return workspaceEvent(required(user), wsid, "SET_GLOBAL_PERMISSION");
  }

  /** Row "set workspace un/deleted": {@code WORKSPACE_DELETE_STATE_CHANGE}; {@code user} may be null (admin). */
  public static Map<String, Object> setWorkspaceDeleted(String user, long wsid) {
    return workspaceEvent(user, wsid, "WORKSPACE_DELETE_STATE_CHANGE");
  }

  /** Row "create workspace": {@code WORKSPACE_STATE_CHANGE}. */
  public static Map<String, Object> createWorkspace(String user, long wsid) {
    return workspaceEvent(required(user), wsid, "WORKSPACE_STATE_CHANGE");
  }

  /** Row "rename workspace": {@code WORKSPACE_STATE_CHANGE}. */
  public static Map<String, Object> renameWorkspace(String user, long wsid) {
    return workspaceEvent(required(user), wsid, "WORKSPACE_STATE_CHANGE");
  }

  /** Row "alter workspace metadata": {@code WORKSPACE_STATE_CHANGE}. */
  public static Map<String, Object> alterWorkspaceMetadata(String user, long wsid) {
    return workspaceEvent(required(user), wsid, "WORKSPACE_STATE_CHANGE");
  }

  /** Row "lock workspace": {@code WORKSPACE_STATE_CHANGE}. */
  public static Map<String, Object> lockWorkspace(String user, long wsid) {
    return workspaceEvent(required(user), wsid, "WORKSPACE_STATE_CHANGE");
  }

  /** Row "set workspace description": {@code WORKSPACE_STATE_CHANGE}; {@code user} may be null (admin). */
  public static Map<String, Object> setWorkspaceDescription(String user, long wsid) {
    return workspaceEvent(user, wsid, "WORKSPACE_STATE_CHANGE");
  }

  /** Row "set workspace owner": {@code WORKSPACE_STATE_CHANGE}; {@code user} may be null (admin). */
  public static Map<String, Object> setWorkspaceOwner(String user, long wsid) {
    return workspaceEvent(user, wsid, "WORKSPACE_STATE_CHANGE");
  }

  // ---------------------------------------------------------------------------------------------------------

  private static String required(String user) {
    return Objects.requireNonNull(user, "user (only some administrator actions may have none)");
  }

  private static Map<String, Object> objectEvent(String user, long wsid, long objid, String evtype) {
    return event(required(user), wsid, objid, null, evtype, null, null, List.of());
  }

  private static Map<String, Object> workspaceEvent(String user, long wsid, String evtype) {
    return event(user, wsid, null, null, evtype, null, null, List.of());
  }

  private static Map<String, Object> event(String user, long wsid, Long objid, Integer ver, String evtype,
      String objtype, String perm, List<String> permusers) {
    Map<String, Object> e = new LinkedHashMap<>(16);
    e.put("user", user);
    e.put("wsid", wsid);
    e.put("objid", objid);
    e.put("ver", ver);
    e.put("time", System.currentTimeMillis());
    e.put("evtype", evtype);
    e.put("objtype", objtype);
    e.put("perm", perm);
    e.put("permusers", permusers);
    return e;
  }
}
