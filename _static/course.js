// The ☰ ("Toggle primary sidebar") and "On this page" buttons of the article header.
// pydata-sphinx-theme 0.17 and sphinx-book-theme 1.3 (pinned in requirements.txt) bind their click
// handlers to the FIRST `.primary-toggle` / `.secondary-toggle` of the page, which is a hidden button
// of the site header (pydata-sphinx-theme issue #2451), so the visible buttons did nothing. Each
// visible button now clicks the bound one: on a phone that opens the table of contents (or the
// page's contents) as a drawer, on a desktop it folds the sidebar away. site_tests/ checks it.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const bound = document.querySelector(`.${kind}-toggle`);
    if (!bound) continue;
    document.querySelectorAll(`.bd-header-article .${kind}-toggle`).forEach((button) => {
      if (button === bound) return;
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  }
});
