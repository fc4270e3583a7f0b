/** The report's name in a run directory: apart from the renderer, so that naming it loads no Handlebars. */
export const REPORT_FILE = "report.html";
