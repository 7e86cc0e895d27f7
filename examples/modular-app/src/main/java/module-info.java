/**
 * A host application on the module path: it needs only the API module. The HTTP transport
 * ({@code org.eventrelayer.http}) and the null relayer ({@code org.eventrelayer.noop}) are found on the module path
 * through the API's {@code uses} clauses, so the application names neither.
 */
module example.purge {
  requires org.eventrelayer.api;
}
