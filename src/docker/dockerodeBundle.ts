// Entry of dist/dockerode.js: dockerode and its transitive dependencies, loaded on the first Docker call.
import Docker = require('dockerode');
export = Docker;
