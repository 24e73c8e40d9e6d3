// Add an authorised user, from the single-use link in the text message. No framework, no third-party code.
// The grant arrives in the URL fragment (never sent to any server by the browser), is removed from the
// address bar at once, kept only in this script's memory, and sent only to the API as a bearer token.
"use strict";

(() => {
  const GRANT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/; // a compact JWS
  const MAX_GRANT_LENGTH = 4096;
  const REQUEST_TIMEOUT_MS = 15000;
  const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
  const FIELDS = ["fullName", "relationship", "dateOfBirth"];
  const RELATIONSHIP_LABELS = {
    spouse: "Spouse",
    civil_partner: "Civil partner",
    partner: "Partner",
    parent: "Parent",
    child: "Child",
    sibling: "Sibling",
    other: "Other",
  };

  const grant = takeGrantFromFragment();
  let apiBaseUrl = null;
  let rules = null;

  /** The grant from `#grant=…`, after removing the fragment from the address bar and history entry. */
  function takeGrantFromFragment() {
    const fragment = window.location.hash.slice(1);
    if (window.location.hash) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    const value = new URLSearchParams(fragment).get("grant");
    return value && value.length <= MAX_GRANT_LENGTH && GRANT_SHAPE.test(value) ? value : null;
  }

  const $ = (id) => document.getElementById(id);

  /** Show one state, announce it, and move focus to its heading. */
  function show(state, announcement) {
    for (const section of document.querySelectorAll("main > section[data-state]")) {
      section.hidden = section.dataset.state !== state;
    }
    document.body.dataset.state = state;
    const heading = document.querySelector(`#state-${state} h1`);
    $("status").textContent = announcement || heading.textContent;
    heading.focus();
  }

  function relationshipLabel(value) {
    if (Object.prototype.hasOwnProperty.call(RELATIONSHIP_LABELS, value)) return RELATIONSHIP_LABELS[value];
    const words = String(value).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  async function fetchJson(url, options) {
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
        redirect: "error",
        ...options,
        signal: controller.signal,
      });
      let body = null;
      try {
        body = await response.json();
      } catch (_) {
        body = null;
      }
      return { status: response.status, body };
    } catch (_) {
      return { status: 0, body: null }; // network failure, timeout, CORS refusal
    } finally {
      window.clearTimeout(timer);
    }
  }

  /** The page's own settings: the API origin (config.json) and the validation rules (rules.json). */
  async function loadSettings() {
    if (apiBaseUrl && rules) return true;
    const [config, loadedRules] = await Promise.all([fetchJson("config.json"), fetchJson("rules.json")]);
    if (config.status !== 200 || loadedRules.status !== 200 || !config.body || !loadedRules.body) return false;
    let url;
    try {
      url = new URL(config.body.apiBaseUrl);
    } catch (_) {
      return false;
    }
    const local = url.hostname === "127.0.0.1" || url.hostname === "localhost";
    if (url.protocol !== "https:" && !(local && url.protocol === "http:")) return false;
    apiBaseUrl = url.href.replace(/\/+$/, "");
    rules = loadedRules.body;
    fillRelationships(rules.relationships || []);
    return true;
  }

  function fillRelationships(relationships) {
    const select = $("relationship");
    if (select.options.length > 1) return;
    for (const value of relationships) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = relationshipLabel(value);
      select.append(option);
    }
  }

  function callApi(method, path, body) {
    const headers = { Authorization: `Bearer ${grant}`, Accept: "application/json" };
    const options = { method, headers, mode: "cors" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetchJson(`${apiBaseUrl}${path}`, options);
  }

  /** The state a refused link or failed call leads to (null: stay where we are). */
  function stateForRefusal(status) {
    if (status === 401) return "invalid";
    if (status === 409) return "used";
    if (status === 410) return "expired";
    return "unavailable";
  }

  async function checkLink() {
    if (!grant) {
      show("invalid");
      return;
    }
    show("checking");
    if (!(await loadSettings())) {
      show("unavailable");
      return;
    }
    const { status, body } = await callApi("GET", "/v1/link");
    if (status === 200 && body && body.status === "valid") {
      const expires = Number(body.expiresAt);
      $("expiry").textContent = Number.isFinite(expires)
        ? `This link works until ${new Date(expires * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}.`
        : "";
      show("form", "Your link is valid. Add an authorised user.");
      return;
    }
    show(stateForRefusal(status));
  }

  // --- validation: the same rules the API enforces (rules.json) ---------------------------------------------

  function todayParts() {
    const now = new Date();
    return [now.getFullYear(), now.getMonth() + 1, now.getDate()];
  }

  function compareDates(a, b) {
    for (let i = 0; i < 3; i += 1) {
      if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return 0;
  }

  function dateOfBirthError(value) {
    if (!value) return "Enter their date of birth";
    const match = DATE_SHAPE.exec(value);
    if (!match) return "Enter the date as year-month-day, for example 1990-04-27";
    const [year, month, day] = match.slice(1).map(Number);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) return "Enter a real date of birth";
    const today = todayParts();
    if (compareDates([year, month, day], today) > 0) return "Date of birth must be in the past";
    const birthdayPassed = compareDates([today[0], month, day], today) <= 0;
    const age = today[0] - year - (birthdayPassed ? 0 : 1);
    const minimumAge = Number(rules.minimumAge) || 0;
    if (age < minimumAge) return `They must be at least ${minimumAge} years old`;
    return null;
  }

  function fullNameError(value) {
    const limits = rules.fullName || {};
    if (!value) return "Enter their full name";
    if ([...value].length > Number(limits.maxLength)) return `Full name must be ${limits.maxLength} characters or fewer`;
    if (!new RegExp(limits.pattern, "u").test(value)) {
      return "Full name must start with a letter and can only include letters, spaces, hyphens, apostrophes and full stops";
    }
    return null;
  }

  function validate(values) {
    const errors = {};
    const name = fullNameError(values.fullName);
    if (name) errors.fullName = name;
    if (!(rules.relationships || []).includes(values.relationship)) errors.relationship = "Choose their relationship to you";
    const dob = dateOfBirthError(values.dateOfBirth);
    if (dob) errors.dateOfBirth = dob;
    return errors;
  }

  // --- the form --------------------------------------------------------------------------------------------

  function formValues() {
    return {
      fullName: $("fullName").value.trim(),
      relationship: $("relationship").value,
      dateOfBirth: $("dateOfBirth").value.trim(),
    };
  }

  function clearErrors() {
    for (const field of FIELDS) {
      $(`field-${field}`).classList.remove("invalid");
      $(field).removeAttribute("aria-invalid");
      const message = $(`${field}-error`);
      message.textContent = "";
      message.hidden = true;
    }
    $("error-list").replaceChildren();
    $("error-summary").hidden = true;
    $("form-message").hidden = true;
    $("form-message").textContent = "";
  }

  /** Show each message next to its field and in a summary that links to the fields; focus the summary. */
  function showErrors(errors) {
    clearErrors();
    const list = $("error-list");
    for (const [field, text] of Object.entries(errors)) {
      const known = FIELDS.includes(field);
      if (known) {
        $(`field-${field}`).classList.add("invalid");
        $(field).setAttribute("aria-invalid", "true");
        const message = $(`${field}-error`);
        message.textContent = text;
        message.hidden = false;
      }
      const item = document.createElement("li");
      if (known) {
        const link = document.createElement("a");
        link.href = `#${field}`;
        link.textContent = text;
        link.addEventListener("click", (event) => {
          event.preventDefault(); // focus the field without putting anything in the address bar
          $(field).focus();
        });
        item.append(link);
      } else {
        item.textContent = text;
      }
      list.append(item);
    }
    $("error-summary").hidden = false;
    $("error-summary").focus();
  }

  function showFormMessage(text) {
    $("form-message").textContent = text;
    $("form-message").hidden = false;
    $("status").textContent = text;
  }

  async function submit(event) {
    event.preventDefault();
    const button = $("submit");
    if (button.disabled) return;
    const values = formValues();
    const errors = validate(values);
    if (Object.keys(errors).length) {
      showErrors(errors);
      return;
    }
    clearErrors();
    button.disabled = true;
    $("status").textContent = "Sending…";
    try {
      const { status, body } = await callApi("POST", "/v1/authorized-users", values);
      if (status === 201) {
        const added = (body && body.authorizedUser) || {};
        $("added-detail").textContent =
          `${added.fullName || values.fullName} (${relationshipLabel(added.relationship || values.relationship)}) can now act on your account.`;
        show("added");
      } else if (status === 400) {
        const fields = body && typeof body.fields === "object" && body.fields ? body.fields : {};
        showErrors(Object.keys(fields).length ? fields : { form: "Check the details and try again" });
      } else if (status === 429) {
        showFormMessage("Too many attempts. Wait a minute, then try again.");
      } else {
        show(stateForRefusal(status));
      }
    } finally {
      button.disabled = false;
    }
  }

  // A deferred script runs once the document is parsed: every element exists.
  $("add-user").addEventListener("submit", submit);
  $("retry").addEventListener("click", checkLink);
  checkLink();
})();
