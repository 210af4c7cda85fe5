// Entry of dist/dockerode.js: dockerode and its transitive dependencies, loaded on the first Docker call.
// tar-stream (a dependency of dockerode's tar-fs) rides along for the archives copied into containers.
import Docker = require('dockerode');
import tarStream = require('tar-stream');
export = Object.assign(Docker, { tarStream });
