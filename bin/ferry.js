#!/usr/bin/env node
// The `ferry` command. The code lives in the build output; run "npm run build" after a change.
import '../out/cli/main.js';
