// Reads a Cucumber JSON file with cucumber-html-reporter and prints the scenario counts it reports.
// Usage: node cucumber_counts.js <cucumber.json> <out.html>
const fs = require("fs");
const reporter = require("cucumber-html-reporter");

const [jsonFile, output] = process.argv.slice(2);
reporter.generate({theme: "bootstrap", jsonFile, output, launchReport: false, name: "harness", brandTitle: "harness"});
const html = fs.readFileSync(output, "utf8");
const charts = [...html.matchAll(/drawChart\((\{[^}]*\})\)/g)].map((m) => JSON.parse(m[1]));
process.stdout.write(JSON.stringify(charts.find((chart) => chart.title === "Scenarios")));
