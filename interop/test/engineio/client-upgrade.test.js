// engine.io-client 6.x with default transports: polling handshake, then upgrade to
// WebSocket; echo works before, during and after the upgrade, order preserved.
import { defineEchoSuite } from '../../lib/echo-suite.js';

defineEchoSuite('engine.io-client, default transports (polling then websocket upgrade)', {},
  { transport: 'websocket', upgrade: true });
