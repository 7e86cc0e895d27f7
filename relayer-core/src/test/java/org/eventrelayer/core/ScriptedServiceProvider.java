package org.eventrelayer.core;

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

  @Override
  public EventService create(ServiceContext context) {
    ScriptedTransport t = new ScriptedTransport(context.name());
    context.config().getString("label"); // a transport key, so tests can show unknown keys are rejected
    ScriptedTransport.INSTANCES.put(context.name(), t);
    return DeliveryEngine.start(context, "scripted", t);
  }
}
