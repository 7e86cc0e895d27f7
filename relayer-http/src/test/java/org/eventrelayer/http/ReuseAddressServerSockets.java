package org.eventrelayer.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import javax.net.ServerSocketFactory;

/**
 * Server sockets that always reuse their address. MockWebServer turns address reuse off when it first starts on
 * port 0, and the connections it accepted keep that setting, so a restart on the same port could fail with
 * "Address already in use"; test intakes that stop and start again on one port use this factory.
 */
final class ReuseAddressServerSockets extends ServerSocketFactory {

  static final ReuseAddressServerSockets INSTANCE = new ReuseAddressServerSockets();

  private ReuseAddressServerSockets() {}

  @Override
  public ServerSocket createServerSocket() throws IOException {
    ServerSocket socket = new ServerSocket() {
      @Override
      public void setReuseAddress(boolean on) throws SocketException {
        super.setReuseAddress(true);
      }
    };
    socket.setReuseAddress(true);
    return socket;
  }

  @Override
  public ServerSocket createServerSocket(int port) {
    throw new UnsupportedOperationException("MockWebServer binds the socket itself");
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog) {
    throw new UnsupportedOperationException("MockWebServer binds the socket itself");
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog, InetAddress address) {
    throw new UnsupportedOperationException("MockWebServer binds the socket itself");
  }
}
