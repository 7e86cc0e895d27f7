package org.eventrelayer.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eventrelayer.spi.EventService;
import org.eventrelayer.spi.EventServiceProvider;
import org.eventrelayer.spi.ServiceContext;

/** {@code type: scripted}: an engine over a {@link ScriptedTransport}. Test-only. */
public final class ScriptedServiceProvider implements EventServiceProvider {

  /** For ServiceLoader. */
  public ScriptedServiceProvider() {}

  @Override
  public String name() {
    return "scripted";
  }

  /** The last service built under each name, so tests can reach the engine itself. */
  static final Map<String, EventService> SERVICES = new ConcurrentHashMap<>();

  @Override
  public EventService create(ServiceContext context) {
    ScriptedTransport t = new ScriptedTransport(context.name());
    ScriptedTransport.INSTANCES.put(context.name(), t);
    EventService service = DeliveryEngine.start(context, "scripted", transportContext -> {
      transportContext.config().getString("label"); // a transport key, so tests can show unknown keys are rejected
      return t;
    });
    SERVICES.put(context.name(), service);
    return service;
  }

  /** The engine of the last service built under {@code name}. */
  static DeliveryEngine engine(String name) {
    return (DeliveryEngine) SERVICES.get(name);
  }
}
