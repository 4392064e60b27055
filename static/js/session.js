/* The idle limit, seen from the page: a countdown that any request to the server resets,
 * a warning one minute before the limit with "Stay signed in", and "You were signed out"
 * once it has passed. Loaded on every page of a signed-in user (base.html).
 *
 * <body data-session-idle-seconds="900" data-session-keep-alive-url="..." data-login-url="...">
 *
 * The server moves a session's expiry on with every request (SESSION_SAVE_EVERY_REQUEST),
 * so the page counts from its last request: the page load, every htmx request, and what
 * other scripts report with document events:
 *   "session:contact"    a request reached the server as the signed-in user
 *   "session:signed-out" the server answered "signed out" (draft.js's autosave)
 * htmx answers of a signed-out user carry the "signed-out" event (HX-Trigger).
 * Tabs share the time of the last request (localStorage), so work in one tab keeps the
 * others from warning.
 */
(function () {
  "use strict";

  var body = document.body;
  var idleSeconds = parseInt(body.dataset.sessionIdleSeconds || "", 10);
  if (!idleSeconds) {
    return;
  }
  var WARN_SECONDS = 60;
  var SHARED_KEY = "session:last-contact";
  var lastContact = Date.now();
  var state = "active"; // "warned", "signed-out"
  var banner = null;

  function sharedContact() {
    try {
      return parseInt(window.localStorage.getItem(SHARED_KEY) || "0", 10) || 0;
    } catch (error) {
      return 0;
    }
  }

  function shareContact() {
    try {
      if (sharedContact() < lastContact) {
        window.localStorage.setItem(SHARED_KEY, String(lastContact));
      }
    } catch (error) {
      /* storage may be full or refused: this tab still counts for itself */
    }
  }

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function signInUrl() {
    var here = window.location.pathname + window.location.search;
    return (body.dataset.loginUrl || "/login/") + "?next=" + encodeURIComponent(here);
  }

  function hideBanner() {
    if (banner) {
      banner.remove();
      banner = null;
    }
  }

  function showBanner(testId, className) {
    hideBanner();
    banner = document.createElement("div");
    banner.className = "alert session-banner shadow " + className;
    banner.setAttribute("role", "alert");
    banner.dataset.testid = testId;
    body.appendChild(banner);
    return banner;
  }

  function showWarning() {
    state = "warned";
    var box = showBanner("session-warning", "alert-warning");
    box.appendChild(document.createTextNode("You will be signed out in 1 minute for inactivity. "));
    var stay = document.createElement("button");
    stay.type = "button";
    stay.className = "btn btn-sm btn-primary ms-2";
    stay.textContent = "Stay signed in";
    stay.addEventListener("click", keepAlive);
    box.appendChild(stay);
  }

  function showSignedOut() {
    state = "signed-out";
    var box = showBanner("session-signed-out", "alert-danger");
    box.appendChild(document.createTextNode("You were signed out. "));
    var link = document.createElement("a");
    link.className = "alert-link";
    link.href = signInUrl();
    link.textContent = "Sign in again";
    box.appendChild(link);
    if (document.querySelector("[data-draft-form]")) {
      box.appendChild(document.createTextNode(" (what you typed is kept in this browser)."));
    }
  }

  /* A request reached the server as the signed-in user at ``at`` (when it was sent: the
   * server's expiry counts from then, so the page never believes in more time than it has). */
  function contact(at) {
    lastContact = Math.max(lastContact, at || Date.now());
    shareContact();
    if (state !== "active") {
      state = "active";
      hideBanner();
    }
  }

  function signedOut() {
    if (state !== "signed-out") {
      showSignedOut();
    }
  }

  function check() {
    var left = Math.max(lastContact, sharedContact()) + idleSeconds * 1000 - Date.now();
    if (left <= 0) {
      signedOut();
    } else if (left <= WARN_SECONDS * 1000) {
      if (state === "active") {
        showWarning();
      }
    } else if (state === "warned") {
      state = "active";
      hideBanner();
    }
  }

  function keepAlive() {
    var sent = Date.now();
    window
      .fetch(body.dataset.sessionKeepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": csrfToken(),
          Accept: "application/json",
          "X-Requested-With": "fetch",
        },
      })
      .then(function (response) {
        if (response.status === 204) {
          contact(sent);
        } else if (response.status === 401) {
          signedOut();
        }
      })
      .catch(function () {
        /* no connection: the warning stays, and the button can be pressed again */
      });
  }

  body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail && event.detail.xhr) {
      event.detail.xhr.sessionSentAt = Date.now();
    }
  });
  body.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || !xhr.status) {
      return; // aborted or no connection: the server may not have seen it
    }
    if ((xhr.getResponseHeader("HX-Trigger") || "").indexOf("signed-out") !== -1) {
      return;
    }
    contact(xhr.sessionSentAt);
  });
  body.addEventListener("signed-out", signedOut);
  document.addEventListener("session:contact", function (event) {
    contact(event.detail && event.detail.at);
  });
  document.addEventListener("session:signed-out", signedOut);
  window.addEventListener("storage", function (event) {
    if (event.key === SHARED_KEY) {
      check();
    }
  });

  shareContact();
  window.setInterval(check, 1000);
})();
