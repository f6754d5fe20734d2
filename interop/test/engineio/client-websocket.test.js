// engine.io-client 6.x restricted to WebSocket (no polling handshake): text and binary echo.
import { defineEchoSuite } from '../../lib/echo-suite.js';

defineEchoSuite('engine.io-client, websocket only', { transports: ['websocket'] },
  { transport: 'websocket', upgrade: false });
