// cronbeat dashboard: a little progressive enhancement. Every page works without it.
"use strict";

// Elements with data-live="URL" are refreshed from URL (an HTML fragment) every
// data-interval milliseconds while the page is visible.
function startLive(element) {
  const interval = Number(element.dataset.interval || 5000);
  let busy = false;
  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const answer = await fetch(element.dataset.live, {headers: {"X-Requested-With": "fetch"}});
      if (answer.status === 401) { window.location.reload(); return; }
      if (answer.ok) {
        const html = await answer.text();
        if (html !== element.dataset.last) { element.innerHTML = html; element.dataset.last = html; }
      }
    } catch (error) {
      // The server may be restarting: try again at the next tick.
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, interval);
  document.addEventListener("visibilitychange", refresh);
}

// Buttons with data-copy="#id" copy that element's text.
async function copy(button) {
  const source = document.querySelector(button.dataset.copy);
  const text = source.value !== undefined ? source.value : source.textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1500);
}

// A schedule field with data-preview="URL" shows what it means, fetched as it is typed.
function startPreview(input) {
  const form = input.form;
  const target = document.getElementById(input.dataset.target);
  let timer = null;
  async function show() {
    // Several schedule kinds share one preview: only the one shown now answers.
    if (input.closest("[hidden]")) return;
    const params = new URLSearchParams();
    for (const name of ["kind", "schedule", "oncalendar", "period", "timezone"]) {
      const field = form.elements[name];
      if (field) params.set(name, field.value);
    }
    const answer = await fetch(input.dataset.preview + "?" + params, {headers: {"X-Requested-With": "fetch"}});
    if (answer.ok || answer.status === 422) {
      target.innerHTML = await answer.text();
      input.setAttribute("aria-invalid", answer.status === 422 ? "true" : "false");
    }
  }
  function later() { clearTimeout(timer); timer = setTimeout(show, 250); }
  for (const element of form.querySelectorAll("[data-preview-input]")) {
    element.addEventListener("input", later);
    element.addEventListener("change", later);
  }
  if (input.value) later();  // after the toggles have hidden the other kinds' parts
}

// Forms that show or hide parts by the value of a radio: data-shows="kind".
function startToggles(form) {
  const name = form.dataset.shows;
  function apply() {
    const chosen = form.elements[name].value;
    for (const part of form.querySelectorAll("[data-when]")) {
      part.hidden = part.dataset.when !== chosen;
    }
  }
  form.addEventListener("change", apply);
  apply();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-live]").forEach(startLive);
  document.querySelectorAll("[data-preview]").forEach(startPreview);
  document.querySelectorAll("form[data-shows]").forEach(startToggles);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (button) { event.preventDefault(); copy(button); }
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  // Filters submit themselves when a select changes.
  document.querySelectorAll("form.filters select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
