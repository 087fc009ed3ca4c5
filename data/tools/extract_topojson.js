// Extract the world_110m topojson from plotly.js's geo assets bundle (run once; output committed).
const fs = require("fs");
global.window = {};
const assets = require("./package/dist/plotly-geo-assets.js");
fs.writeFileSync("world_110m.json", JSON.stringify(assets.topojson.world_110m));
console.log(assets.version, Object.keys(assets.topojson).join(","));
