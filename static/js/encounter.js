/* The encounter form: per-block start/stop timers with live minutes, and the
 * ICD-10-CM suggestions (a keyboard combobox). Wired by data attributes; CSP forbids inline scripts.
 *
 * <div data-timer data-start="ID_OF_START_INPUT" data-end="ID_OF_END_INPUT">
 *   [data-timer-start] [data-timer-stop] buttons, [data-timer-clock], [data-minutes]
 *
 * A running timer keeps its start (epoch ms) in the block's data-running-since and tells
 * the page with bubbling events "timer:start" and "timer:stop" (after the end time is
 * filled in); "timer:resume" on the block, detail {runningSince}, sets a timer running
 * again from that moment (draft.js, after a page load that signed in again).
 */
(function () {
  "use strict";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  /* Clock times are the practice's (the form's data-time-zone), whatever zone the
   * browser is in, so the server checks the same times the timer filled in. */
  var practiceClock = null;

  function hhmm(date) {
    if (practiceClock === null) {
      var form = document.getElementById("encounter-form");
      var zone = form && form.dataset.timeZone;
      practiceClock = false;
      if (zone) {
        try {
          practiceClock = new Intl.DateTimeFormat("en-GB", {
            timeZone: zone,
            hour: "2-digit",
            minute: "2-digit",
            hourCycle: "h23",
          });
        } catch (error) {
          practiceClock = false;
        }
      }
    }
    if (practiceClock) {
      return practiceClock.format(date);
    }
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function parseTime(value) {
    var m = /^(\d{1,2}):(\d{2})/.exec(value || "");
    if (!m) {
      return null;
    }
    return parseInt(m[1], 10) * 60 + parseInt(m[2], 10);
  }

  function fire(input) {
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function setupTimer(block) {
    var start = document.getElementById(block.dataset.start);
    var end = document.getElementById(block.dataset.end);
    var startButton = block.querySelector("[data-timer-start]");
    var stopButton = block.querySelector("[data-timer-stop]");
    var clock = block.querySelector("[data-timer-clock]");
    var minutes = block.querySelector("[data-minutes]");
    var ticking = null;
    var startedAt = null;
    if (!start || !end) {
      return;
    }

    function showMinutes() {
      if (!minutes) {
        return;
      }
      var a = parseTime(start.value);
      var b = parseTime(end.value);
      if (a !== null && b === null && startedAt) {
        b = parseTime(hhmm(new Date()));
      }
      var value = a !== null && b !== null ? b - a : 0;
      minutes.textContent = (value > 0 ? value : 0) + " min";
      minutes.classList.toggle("text-bg-danger", a !== null && b !== null && b <= a && !!end.value);
    }

    function tick() {
      var seconds = Math.max(0, Math.floor((Date.now() - startedAt) / 1000));
      clock.textContent = pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
      showMinutes();
    }

    function run(since) {
      startedAt = since;
      block.dataset.runningSince = String(since);
      if (ticking) {
        window.clearInterval(ticking);
      }
      ticking = window.setInterval(tick, 1000);
      tick();
      clock.classList.remove("text-muted");
      clock.classList.add("text-success");
      if (startButton) {
        startButton.disabled = true;
      }
      if (stopButton) {
        stopButton.disabled = false;
      }
    }

    function announce(name) {
      block.dispatchEvent(new CustomEvent(name, { bubbles: true }));
    }

    if (startButton) {
      startButton.addEventListener("click", function () {
        var now = new Date();
        start.value = hhmm(now);
        end.value = "";
        fire(start);
        fire(end);
        run(now.getTime());
        announce("timer:start");
      });
    }
    if (stopButton) {
      stopButton.addEventListener("click", function () {
        end.value = hhmm(new Date());
        if (ticking) {
          window.clearInterval(ticking);
          ticking = null;
        }
        startedAt = null;
        delete block.dataset.runningSince;
        fire(end);
        clock.classList.remove("text-success");
        clock.classList.add("text-muted");
        stopButton.disabled = true;
        if (startButton) {
          startButton.disabled = false;
        }
        showMinutes();
        announce("timer:stop");
      });
    }
    // A restored page: the timer runs on from when it was started, if it never stopped.
    block.addEventListener("timer:resume", function (event) {
      var since = event.detail && event.detail.runningSince;
      if (since && start.value && !end.value) {
        run(since);
      }
      showMinutes();
    });
    start.addEventListener("input", showMinutes);
    end.addEventListener("input", showMinutes);
    start.addEventListener("change", showMinutes);
    end.addEventListener("change", showMinutes);
    showMinutes();
  }

  /* The diagnosis fields are ARIA comboboxes: typing asks the server for a listbox of
   * codes (htmx swaps it into #dx-suggest-N); ArrowDown/ArrowUp move the highlighted
   * option (aria-activedescendant, focus stays in the field), Enter picks it without
   * submitting the form, Escape closes the list; a click picks an option too. */
  function setupDiagnoses() {
    function inputFor(slot) {
      return document.querySelector('[data-dx-input="' + slot + '"]');
    }

    function optionsOf(slot) {
      var list = document.getElementById("dx-suggest-" + slot);
      return list ? Array.prototype.slice.call(list.querySelectorAll('[role="option"]')) : [];
    }

    function highlight(slot, index) {
      var input = inputFor(slot);
      optionsOf(slot).forEach(function (option, i) {
        var on = i === index;
        option.setAttribute("aria-selected", on ? "true" : "false");
        option.classList.toggle("active", on);
        if (on) {
          input.setAttribute("aria-activedescendant", option.id);
          option.scrollIntoView({ block: "nearest" });
        }
      });
      if (index < 0 && input) {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close(slot) {
      var input = inputFor(slot);
      var list = document.getElementById("dx-suggest-" + slot);
      if (list) {
        list.innerHTML = "";
      }
      if (input) {
        input.setAttribute("aria-expanded", "false");
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(choice) {
      var slot = choice.dataset.slot;
      var input = inputFor(slot);
      var description = document.getElementById("dx-desc-" + slot);
      if (input) {
        if (window.htmx) {
          window.htmx.trigger(input, "htmx:abort"); // a search still in flight must not reopen the list
        }
        input.value = choice.dataset.icdCode;
        input.dataset.dxPicked = input.value;
        input.classList.remove("is-invalid");
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      if (description) {
        description.textContent = choice.dataset.icdDescription;
      }
      close(slot);
    }

    document.body.addEventListener("htmx:afterSwap", function (event) {
      var target = event.detail && event.detail.target;
      var slot = target && target.id && target.id.indexOf("dx-suggest-") === 0
        ? target.id.slice("dx-suggest-".length)
        : null;
      var input = slot && inputFor(slot);
      if (input && input !== document.activeElement) {
        close(slot); // the answer came after the clinician moved on: no list over the page
        return;
      }
      if (input) {
        input.setAttribute("aria-expanded", optionsOf(slot).length ? "true" : "false");
        input.removeAttribute("aria-activedescendant");
      }
    });

    // A search timed before the pick (typing, then Enter within the delay) is not sent.
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var input = event.detail && event.detail.elt;
      if (input && input.dataset && input.dataset.dxInput && input.dataset.dxPicked === input.value) {
        event.preventDefault();
      }
    });

    document.addEventListener("focusout", function (event) {
      var slot = event.target.dataset && event.target.dataset.dxInput;
      if (slot) {
        close(slot);
      }
    });

    document.addEventListener("keydown", function (event) {
      var slot = event.target.dataset && event.target.dataset.dxInput;
      if (!slot) {
        return;
      }
      var options = optionsOf(slot);
      var current = options.findIndex(function (option) {
        return option.getAttribute("aria-selected") === "true";
      });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) {
          return;
        }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = current < 0 ? (step > 0 ? 0 : options.length - 1) : current + step;
        highlight(slot, (next + options.length) % options.length);
      } else if (event.key === "Enter") {
        // While the list is open, Enter picks (or just closes the list): it never submits.
        if (options.length) {
          event.preventDefault();
          if (current >= 0) {
            pick(options[current]);
          } else {
            close(slot);
          }
        }
      } else if (event.key === "Escape") {
        if (options.length || event.target.getAttribute("aria-expanded") === "true") {
          event.preventDefault();
          close(slot);
        }
      }
    });

    // The field keeps the focus when an option is clicked.
    document.addEventListener("mousedown", function (event) {
      if (event.target.closest('[role="option"][data-icd-code]')) {
        event.preventDefault();
      }
    });

    document.addEventListener("click", function (event) {
      var choice = event.target.closest("[data-icd-code]");
      if (choice) {
        event.preventDefault();
        pick(choice);
        return;
      }
      var add = event.target.closest("[data-dx-add]");
      if (add) {
        event.preventDefault();
        var hidden = document.querySelector("[data-dx-row].d-none");
        if (hidden) {
          hidden.classList.remove("d-none");
          var field = hidden.querySelector("input");
          if (field) {
            field.focus();
          }
        }
        if (!document.querySelector("[data-dx-row].d-none")) {
          add.disabled = true;
        }
      }
    });
    // Typing a new code forgets the description of the old one.
    document.addEventListener("input", function (event) {
      var slot = event.target.dataset && event.target.dataset.dxInput;
      if (slot) {
        delete event.target.dataset.dxPicked;
        var description = document.getElementById("dx-desc-" + slot);
        if (description) {
          description.textContent = "";
        }
      }
    });
  }

  /* The codes to bill. The page, not the refreshed panel, keeps the choice: the hidden
   * coding_option holds it and coding_shown the lines the panel showed for it, which the
   * server compares with what it signs. Each panel refresh selects the choice again, so a
   * refresh that was in flight when the clinician chose never changes the choice. */
  function setupCodingChoice() {
    var box = document.querySelector("[data-coding-choice]");
    var panel = document.getElementById("proposal-panel");
    if (!box || !panel) {
      return;
    }
    var option = box.querySelector("[data-coding-option]");
    var shown = box.querySelector("[data-coding-shown]");
    var gone = box.querySelector("[data-coding-gone]");
    var customCodes = document.getElementById("coding-custom-codes");

    function apply() {
      var value = option.value || "recommended";
      var found = null;
      document.querySelectorAll('input[name="coding_option_pick"]').forEach(function (radio) {
        if (radio.value === value) {
          found = radio;
        }
      });
      if (found) {
        found.checked = true;
        option.value = value;
        shown.value = value === "custom" ? "" : found.dataset.shown || "";
        gone.classList.add("d-none");
        return;
      }
      document.querySelectorAll('input[name="coding_option_pick"]').forEach(function (radio) {
        radio.checked = false;
      });
      shown.value = "";
      var offered = panel.querySelector('[data-testid="coding-options"]');
      if (offered && value.indexOf("alternative-") === 0) {
        option.value = "";
        gone.classList.remove("d-none");
      }
    }

    function pick(value) {
      option.value = value;
      apply();
    }

    // Capture phase: the choice is recorded before the panel's own request reads it.
    document.addEventListener(
      "change",
      function (event) {
        if (event.target.name === "coding_option_pick") {
          pick(event.target.value);
        }
      },
      true
    );
    if (customCodes) {
      customCodes.addEventListener("input", function () {
        if (customCodes.value.trim() && option.value !== "custom") {
          pick("custom");
        }
      });
    }
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail && event.detail.target === panel) {
        apply();
      }
    });
    apply();
  }

  /* Back/forward: the browser puts typed values back after the panel's first request,
   * so ask the panel again once the page is shown. */
  function refreshPanelOnShow() {
    window.addEventListener("pageshow", function () {
      var form = document.getElementById("encounter-form");
      if (form) {
        form.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  /* Back after a post comes back to a freshly served form with a new draft key; reuse
   * the key this page last posted, so Sign again reaches the same visit, not a new one. */
  function reuseDraftKeyOnBack() {
    var form = document.getElementById("encounter-form");
    var key = form && form.querySelector('input[name="draft_key"]');
    if (!key || !window.sessionStorage) {
      return;
    }
    var slot = "draft-key:" + window.location.pathname;
    var navigation = window.performance && window.performance.getEntriesByType
      ? window.performance.getEntriesByType("navigation")[0]
      : null;
    var posted = window.sessionStorage.getItem(slot);
    if (navigation && navigation.type === "back_forward" && posted) {
      key.value = posted;
    }
    form.addEventListener("submit", function () {
      window.sessionStorage.setItem(slot, key.value);
    });
  }

  /* Screen readers: the panel is refreshed on every pause in typing, so only its small
   * live region speaks, and only when the proposed codes change (the panel's
   * data-codes-summary). The first panel of the page is not announced. */
  function announceProposedCodes() {
    var region = document.querySelector("[data-proposal-announcement]");
    var panel = document.getElementById("proposal-panel");
    if (!region || !panel) {
      return;
    }
    var last = null;
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var card = event.detail && event.detail.target === panel
        ? panel.querySelector("[data-codes-summary]")
        : null;
      if (!card) {
        return;
      }
      var summary = card.dataset.codesSummary;
      if (last !== null && summary !== last) {
        region.textContent = summary;
      }
      last = summary;
    });
  }

  /* The panel is short by default; a clinician who opened its full rule trace keeps it
   * open across the refreshes that follow each pause in typing. */
  function keepRuleTraceOpen() {
    var panel = document.getElementById("proposal-panel");
    if (!panel) {
      return;
    }
    var open = false;
    panel.addEventListener("toggle", function (event) {
      if (event.target.matches && event.target.matches("[data-rule-trace]")) {
        open = event.target.open;
      }
    }, true);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var trace = event.detail && event.detail.target === panel
        ? panel.querySelector("[data-rule-trace]")
        : null;
      if (trace && open) {
        trace.open = true;
      }
    });
  }

  /* "Start from a template": the chosen option's data-pt-note and data-plan fill the
   * psychotherapy note and the plan, each only while it is empty (typed text is kept). */
  function setupNoteTemplates() {
    var select = document.querySelector("[data-note-template-select]");
    if (!select) {
      return;
    }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option || !option.value) {
        return;
      }
      [["id_pt_note", option.dataset.ptNote], ["id_em_plan", option.dataset.plan]].forEach(
        function (pair) {
          var field = document.getElementById(pair[0]);
          if (field && pair[1] && field.value.trim() === "") {
            field.value = pair[1];
            field.dispatchEvent(new Event("input", { bubbles: true }));
          }
        }
      );
    });
  }

  function init() {
    document.querySelectorAll("[data-timer]").forEach(setupTimer);
    keepRuleTraceOpen();
    setupDiagnoses();
    setupCodingChoice();
    announceProposedCodes();
    refreshPanelOnShow();
    reuseDraftKeyOnBack();
    setupNoteTemplates();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
