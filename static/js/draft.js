/* The encounter draft, kept twice while the clinician types: on the server (autosave)
 * and in this browser (a copy in localStorage), so an ended session loses nothing.
 *
 * <form id="encounter-form" data-draft-form data-draft-owner="USER" data-patient="PATIENT"
 *       data-encounter="ID or empty" data-saved-version="VERSION or empty">
 * [data-draft-status]: "Saving…", "Saved at 10:42:13", "Not saved: signed out, sign in again"
 *
 * Autosave: after a pause in typing (PAUSE_MS) and on every timer Stop, the whole form is
 * posted with action=autosave to the form's action (one request at a time). The answer
 * moves the form and the address bar to the draft's edit URL; 401 means signed out; 409
 * means the visit was signed meanwhile (go to it). Nothing is autosaved once Save or Sign
 * was pressed: that post navigates (after the answer of an autosave already on its way).
 *
 * The copy: every input stores the form's named fields (those outside the <form> with
 * form="encounter-form" too), the diagnosis descriptions and the running timers under
 * encounter-copy:v1:USER:PATIENT:DRAFT_KEY. An autosave that saved the same values drops
 * them, keeping only a running timer (or nothing). On a page load the copy is restored when it holds typing
 * the page does not show, typed over the very save the page shows (data-saved-version); a
 * copy typed over an older save is offered, not applied. A new-encounter page looks for the
 * newest copy of the same clinician and patient that never reached the server, and takes
 * over its draft_key too, so the next post reaches the same draft. A Save or Sign post marks
 * the copy "submitted": if the next page shows a newer save, the post arrived and the copy
 * is dropped; if it shows the same one, the post went to the login page. A signed visit's
 * page ([data-signed-draft-key]) deletes the copies of that draft.
 *
 * Timers run on after a restore: encounter.js keeps a running timer's start in its block's
 * data-running-since and resumes on "timer:resume". The session countdown (session.js)
 * hears "session:contact" and "session:signed-out" from here.
 */
(function () {
  "use strict";

  var PREFIX = "encounter-copy:v1:";
  var PAUSE_MS = 2000;
  // Not the clinician's typing: the token, the button, what the panel showed, and the
  // formset's bookkeeping (the server renders it; rows are counted by TOTAL_FORMS).
  var SKIP = /^(csrfmiddlewaretoken|action|coding_shown)$|-(INITIAL|MIN_NUM|MAX_NUM)_FORMS$/;

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  function read(key) {
    var s = store();
    try {
      return s ? JSON.parse(s.getItem(key) || "null") : null;
    } catch (error) {
      return null;
    }
  }

  function write(key, copy) {
    var s = store();
    try {
      if (s) {
        s.setItem(key, JSON.stringify(copy));
      }
    } catch (error) {
      /* storage full or refused: the server autosave still runs */
    }
  }

  function forget(key) {
    var s = store();
    if (s) {
      s.removeItem(key);
    }
  }

  function copyKeys() {
    var s = store();
    var found = [];
    for (var i = 0; s && i < s.length; i++) {
      var key = s.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        found.push(key);
      }
    }
    return found;
  }

  /* The page of a signed visit: what this browser kept of its draft is done with. */
  function forgetSigned() {
    document.querySelectorAll("[data-signed-draft-key]").forEach(function (marker) {
      var tail = ":" + marker.dataset.signedDraftKey;
      if (tail.length < 2) {
        return;
      }
      copyKeys().forEach(function (key) {
        if (key.slice(-tail.length) === tail) {
          forget(key);
        }
      });
    });
  }

  function tell(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail || {} }));
  }

  function setupDraft(form) {
    var owner = form.dataset.draftOwner;
    var patient = form.dataset.patient;
    var status = document.querySelector("[data-draft-status]");
    var keyInput = form.querySelector('input[name="draft_key"]');
    var notice = null;
    var submitting = false;
    var inFlight = false;
    var again = false;
    var pause = null;
    var held = null; // a Save or Sign pressed while an autosave was on its way

    function draftKey() {
      return keyInput ? keyInput.value : "";
    }

    function keyFor(key) {
      return PREFIX + owner + ":" + patient + ":" + key;
    }

    function clockTime(ms) {
      try {
        return new Intl.DateTimeFormat("en-GB", {
          timeZone: form.dataset.timeZone || undefined,
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        }).format(new Date(ms));
      } catch (error) {
        var d = new Date(ms);
        return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
      }
    }

    // --- what the form holds ---------------------------------------------------------

    function fieldsOf() {
      var fields = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        var type = (el.type || "").toLowerCase();
        if (!el.name || el.disabled || SKIP.test(el.name)) {
          return;
        }
        if (type === "submit" || type === "button" || type === "reset" || type === "file") {
          return;
        }
        var values = fields[el.name] || (fields[el.name] = []);
        if (type === "checkbox" || type === "radio") {
          if (el.checked) {
            values.push(el.value);
          }
        } else if (type === "select-multiple") {
          Array.prototype.forEach.call(el.options, function (option) {
            if (option.selected) {
              values.push(option.value);
            }
          });
        } else {
          values.push(el.value);
        }
      });
      return fields;
    }

    /* The typing, comparable between pages (the draft_key of a new page differs). */
    function same(a, b) {
      function flat(fields) {
        return JSON.stringify(
          Object.keys(fields)
            .filter(function (name) {
              return name !== "draft_key";
            })
            .sort()
            .map(function (name) {
              return [name, fields[name]];
            })
        );
      }
      return flat(a) === flat(b);
    }

    function descriptions() {
      var found = {};
      document.querySelectorAll("[data-dx-input]").forEach(function (input) {
        var shown = document.getElementById("dx-desc-" + input.dataset.dxInput);
        if (input.value && shown && shown.textContent.trim()) {
          found[input.dataset.dxInput] = shown.textContent.trim();
        }
      });
      return found;
    }

    function timers() {
      var found = {};
      document.querySelectorAll("[data-timer]").forEach(function (block) {
        found[block.dataset.start] = block.dataset.runningSince
          ? Number(block.dataset.runningSince)
          : null;
      });
      return found;
    }

    // --- the copy ----------------------------------------------------------------------

    function current() {
      return (
        read(keyFor(draftKey())) || {
          encounter: form.dataset.encounter || "",
          base: form.dataset.savedVersion || "",
          fields: null,
        }
      );
    }

    function remember(changes) {
      var copy = current();
      Object.keys(changes || {}).forEach(function (name) {
        copy[name] = changes[name];
      });
      copy.draftKey = draftKey();
      copy.timers = timers();
      write(keyFor(copy.draftKey), copy);
      return copy;
    }

    function rememberTyping() {
      return remember({ fields: fieldsOf(), dx: descriptions(), typedAt: Date.now() });
    }

    /* Everything typed is on the server: keep nothing of it, only a running timer. */
    function rememberSaved() {
      var running = Object.keys(timers()).some(function (start) {
        return timers()[start];
      });
      if (!running) {
        forget(keyFor(draftKey()));
        return;
      }
      remember({
        fields: null,
        dx: null,
        submitted: false,
        encounter: form.dataset.encounter || "",
        base: form.dataset.savedVersion || "",
      });
    }

    /* The newest copy of this clinician and patient that never reached the server. */
    function unsentCopy() {
      var prefix = PREFIX + owner + ":" + patient + ":";
      var best = null;
      copyKeys().forEach(function (key) {
        var copy = key.indexOf(prefix) === 0 ? read(key) : null;
        if (copy && copy.fields && !copy.encounter) {
          if (!best || (copy.typedAt || 0) > (best.typedAt || 0)) {
            best = copy;
          }
        }
      });
      return best;
    }

    // --- the status line and the notice ------------------------------------------------

    function show(text, tone, link) {
      if (!status) {
        return;
      }
      status.textContent = text;
      status.classList.remove("text-muted", "text-danger", "text-success");
      status.classList.add(tone || "text-muted");
      if (link) {
        var a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.text;
        status.appendChild(a);
        status.appendChild(document.createTextNode(link.after || ""));
      }
    }

    function signInUrl(data) {
      if (data && data.login_url) {
        return data.login_url;
      }
      var here = window.location.pathname + window.location.search;
      return (document.body.dataset.loginUrl || "/login/") + "?next=" + encodeURIComponent(here);
    }

    function button(text, testId, onClick) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-link p-0 ms-2 align-baseline";
      b.textContent = text;
      b.dataset.testid = testId;
      b.addEventListener("click", onClick);
      return b;
    }

    function showNotice(text, testId, buttons) {
      if (notice) {
        notice.remove();
      }
      notice = document.createElement("div");
      notice.className = "alert alert-info py-2";
      notice.setAttribute("role", "status");
      notice.dataset.testid = testId;
      notice.appendChild(document.createTextNode(text));
      buttons.forEach(function (b) {
        notice.appendChild(b);
      });
      form.insertBefore(notice, form.querySelector(".card"));
    }

    function discard() {
      var copy = current();
      if (copy.encounter || form.dataset.encounter) {
        rememberSaved(); // keeps a running timer running
      } else {
        forget(keyFor(draftKey()));
      }
      window.location.assign(window.location.pathname + window.location.search);
    }

    // --- autosave ----------------------------------------------------------------------

    function schedule() {
      window.clearTimeout(pause);
      if (!submitting) {
        pause = window.setTimeout(autosave, PAUSE_MS);
      }
    }

    function adopt(data) {
      form.dataset.encounter = String(data.encounter_id);
      form.dataset.savedVersion = data.version;
      form.setAttribute("action", data.edit_url);
      if (!submitting && window.location.pathname !== data.edit_url) {
        window.history.replaceState(window.history.state, "", data.edit_url);
      }
    }

    function answered(code, data, sent, at) {
      if (code === 200 && data && data.edit_url) {
        tell("session:contact", { at: at });
        adopt(data);
        if (same(fieldsOf(), sent)) {
          rememberSaved();
        } else {
          remember({ encounter: form.dataset.encounter, base: data.version }); // typed meanwhile
        }
        var discardButton = notice && notice.querySelector("[data-testid=draft-discard]");
        if (discardButton) {
          discardButton.remove(); // what was restored is on the server now
        }
        show("Saved at " + data.saved_at, "text-muted");
      } else if (code === 409 && data && data.signed) {
        forget(keyFor(draftKey()));
        submitting = true;
        held = null;
        window.location.assign(data.url);
      } else if (code === 401) {
        tell("session:signed-out");
        show("Not saved: signed out, ", "text-danger", {
          href: signInUrl(data),
          text: "sign in again",
          after: " (what you typed is kept in this browser).",
        });
      } else if (code === 422 && data && data.errors) {
        tell("session:contact", { at: at });
        show(
          "Not saved: " + data.errors.join(" ") + " What you typed is kept in this browser.",
          "text-danger"
        );
      } else if (code === 403) {
        show(
          "Not saved: this page is out of date (signed in again elsewhere?). Reload it: " +
            "what you typed is kept in this browser.",
          "text-danger"
        );
      } else {
        show(
          "Not saved (the server answered " + code + "). What you typed is kept in this browser.",
          "text-danger"
        );
      }
    }

    function autosave() {
      window.clearTimeout(pause);
      if (submitting) {
        return;
      }
      if (inFlight) {
        again = true;
        return;
      }
      var sent = fieldsOf();
      var body = new FormData(form);
      body.set("action", "autosave");
      var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
      var at = Date.now();
      inFlight = true;
      show("Saving…", "text-muted");
      window
        .fetch(form.getAttribute("action"), {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: {
            "X-CSRFToken": token ? token.value : "",
            Accept: "application/json",
            "X-Requested-With": "fetch",
          },
        })
        .then(
          function (response) {
            return response
              .json()
              .catch(function () {
                return null;
              })
              .then(function (data) {
                answered(response.status, data, sent, at);
              });
          },
          function () {
            show("Not saved: no connection. What you typed is kept in this browser.", "text-danger");
          }
        )
        .then(function () {
          inFlight = false;
          if (held) {
            var post = held;
            held = null;
            post();
            return;
          }
          if (again && !submitting) {
            again = false;
            autosave();
          }
        });
    }

    // --- restore on load ---------------------------------------------------------------

    function apply(copy) {
      var fields = copy.fields;
      var before = fieldsOf();
      // Rows added with "Add another medication" first, then the values.
      document.querySelectorAll("[data-formset-add]").forEach(function (add) {
        var total = document.getElementById("id_" + add.dataset.formsetAdd + "-TOTAL_FORMS");
        var wanted = parseInt((fields[add.dataset.formsetAdd + "-TOTAL_FORMS"] || ["0"])[0], 10);
        for (var guard = 0; total && parseInt(total.value, 10) < wanted && guard < 50; guard++) {
          add.dispatchEvent(new CustomEvent("formset:add", { bubbles: true }));
        }
      });
      var seen = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        var type = (el.type || "").toLowerCase();
        var values = fields[el.name];
        if (!el.name || !values || SKIP.test(el.name) || /-TOTAL_FORMS$/.test(el.name)) {
          return;
        }
        if (type === "checkbox" || type === "radio") {
          el.checked = values.indexOf(el.value) !== -1;
        } else if (type === "select-multiple") {
          Array.prototype.forEach.call(el.options, function (option) {
            option.selected = values.indexOf(option.value) !== -1;
          });
        } else if (type !== "submit" && type !== "button" && type !== "file") {
          var i = seen[el.name] || 0;
          seen[el.name] = i + 1;
          if (i < values.length) {
            el.value = values[i];
          }
        }
      });
      document.querySelectorAll("[data-dx-row]").forEach(function (row) {
        var input = row.querySelector("[data-dx-input]");
        var shown = input && document.getElementById("dx-desc-" + input.dataset.dxInput);
        if (!input) {
          return;
        }
        if (input.value) {
          row.classList.remove("d-none");
        }
        var kept = (copy.dx || {})[input.dataset.dxInput];
        var unchanged = (before[input.name] || [""])[0] === input.value;
        if (shown && (kept || !unchanged)) {
          shown.textContent = kept || "";
        }
      });
      var addDx = document.querySelector("[data-dx-add]");
      if (addDx) {
        addDx.disabled = !document.querySelector("[data-dx-row].d-none");
      }
    }

    function resumeTimers(copy) {
      document.querySelectorAll("[data-timer]").forEach(function (block) {
        var since = copy && copy.timers ? copy.timers[block.dataset.start] : null;
        block.dispatchEvent(new CustomEvent("timer:resume", { detail: { runningSince: since } }));
      });
    }

    /* One refresh of the MDM levels and the proposal panel, for what the page now shows. */
    function refresh() {
      var mdm = document.getElementById("mdm-fields");
      (mdm || form).dispatchEvent(new Event("change", { bubbles: true }));
    }

    function restore(copy) {
      apply(copy);
      resumeTimers(copy);
      remember({ submitted: false });
      showNotice(
        "Restored what you typed at " +
          clockTime(copy.typedAt) +
          " that was not saved yet; it is saved with your next change, Save draft or Sign.",
        "draft-restored",
        [button("Discard it", "draft-discard", discard)]
      );
      refresh();
    }

    function start() {
      var copy = read(keyFor(draftKey())) || (form.dataset.encounter ? null : unsentCopy());
      if (!copy) {
        return;
      }
      if (keyInput && copy.draftKey) {
        keyInput.value = copy.draftKey; // a new-encounter page continues the copy's draft
      }
      var version = form.dataset.savedVersion || "";
      if (!copy.fields || same(copy.fields, fieldsOf())) {
        resumeTimers(copy);
        rememberSaved();
      } else if (copy.submitted && (copy.base || "") !== version) {
        resumeTimers(copy);
        rememberSaved(); // Save or Sign arrived: this page shows what it saved
      } else if ((copy.base || "") === version) {
        restore(copy);
      } else {
        resumeTimers(copy);
        remember({ submitted: false });
        showNotice(
          "This browser keeps what you typed at " +
            clockTime(copy.typedAt) +
            ", before this draft was saved again elsewhere.",
          "draft-older-copy",
          [
            button("Restore what you typed", "draft-restore", function () {
              restore(copy);
            }),
            button("Discard it", "draft-discard", discard),
          ]
        );
      }
    }

    // --- wiring ------------------------------------------------------------------------

    function ours(el) {
      return el && el.name && (el.form === form || el.name === "coding_option_pick");
    }

    function typed(event) {
      if (!ours(event.target) || submitting) {
        return;
      }
      if (notice && notice.dataset.testid === "draft-older-copy") {
        notice.remove(); // typing on means going on with the saved draft
        notice = null;
      }
      rememberTyping();
      schedule();
    }

    start();
    document.addEventListener("input", typed);
    document.addEventListener("change", typed);
    // Rows and suggestions change the form without an input event of their own.
    document.addEventListener("click", function (event) {
      if (!submitting && event.target.closest("[data-formset-add], [data-dx-add], [data-icd-code]")) {
        rememberTyping();
      }
    });
    document.addEventListener("timer:start", function () {
      rememberTyping();
    });
    document.addEventListener("timer:stop", function () {
      rememberTyping();
      autosave();
    });
    form.addEventListener("submit", function (event) {
      submitting = true;
      window.clearTimeout(pause);
      remember({ fields: fieldsOf(), dx: descriptions(), typedAt: Date.now(), submitted: true });
      if (inFlight) {
        // Post after the autosave's answer: a first autosave may be creating the draft,
        // and its answer points the form at it, so the two never make two drafts.
        event.preventDefault();
        var submitter = event.submitter;
        held = function () {
          if (form.requestSubmit) {
            form.requestSubmit(submitter || undefined);
            return;
          }
          if (submitter && submitter.name) {
            var carried = document.createElement("input");
            carried.type = "hidden";
            carried.name = submitter.name;
            carried.value = submitter.value;
            form.appendChild(carried);
          }
          form.submit();
        };
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        submitting = false; // back from the page cache: the form is live again
      }
    });
  }

  function init() {
    forgetSigned();
    var form = document.querySelector("form[data-draft-form]");
    if (form) {
      setupDraft(form);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
