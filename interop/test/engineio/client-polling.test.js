// engine.io-client 6.x restricted to HTTP long-polling: text and binary echo both ways.
import { defineEchoSuite } from '../../lib/echo-suite.js';

defineEchoSuite('engine.io-client, polling only', { transports: ['polling'] },
  { transport: 'polling', upgrade: false });
