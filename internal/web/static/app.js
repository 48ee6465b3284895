// dco's only script. Every page works without it; it adds the NHS.UK
// frontend behaviours (header menu, error summary focus, password reveal).
// It lives in its own file because the Content-Security-Policy allows no
// inline script. The import path below is rewritten at start-up to the
// content-hashed URL of the NHS.UK module.
import { initAll } from "./nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// A letter's "Print" button (Section 23 letters): hidden without
// JavaScript, where the page says to use the browser's print command.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
