/* Live progress of one campaign: listens on the campaign's websocket and updates
   the figures, the progress bar and the recent donations without a reload.
   No dependencies, no inline code (CSP). Reconnects with exponential backoff. */
(function () {
  "use strict";

  var MAX_ITEMS = 10;
  var MAX_DELAY = 30000;

  function start() {
    var root = document.querySelector("[data-campaign-live][data-ws-path]");
    if (!root || !("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + root.getAttribute("data-ws-path");
    var status = root.querySelector("[data-live-status]");
    var delay = 1000;

    // The page's language: the words come translated in data-text-* attributes.
    function word(name, fallback) {
      return root.getAttribute("data-text-" + name) || fallback;
    }

    function grouped(amount) {
      var parts = String(amount).split(".");
      parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
      return parts.join(".");
    }

    function setText(name, value) {
      var nodes = root.querySelectorAll('[data-live="' + name + '"]');
      for (var i = 0; i < nodes.length; i++) nodes[i].textContent = value;
    }

    function showStatus(text, live) {
      if (!status) return;
      status.hidden = false;
      status.textContent = text;
      status.classList.toggle("is-live", live);
    }

    function updateCampaign(c) {
      setText("current_amount", grouped(c.current_amount));
      setText("donor_count", String(c.donor_count));
      setText("progress_percentage", c.progress_percentage);
      var bar = root.querySelector("progress[data-live-progress]");
      if (bar) {
        bar.value = Math.min(parseFloat(c.current_amount), parseFloat(bar.max));
        bar.textContent = c.progress_percentage + "%";
        bar.setAttribute("aria-label", c.progress_percentage + "% of the target raised");
      }
    }

    function addDonation(d) {
      var list = root.querySelector("[data-live-donations]");
      if (!list) return;
      var item = document.createElement("li");
      item.className = "is-new";
      if (d.id) item.setAttribute("data-donation-id", d.id);
      var who = document.createElement("span");
      who.className = "donation-who";
      who.textContent = d.donor_name;
      var amount = document.createElement("span");
      amount.className = "donation-amount num";
      amount.textContent = grouped(d.amount);
      var when = document.createElement("time");
      when.className = "muted";
      when.setAttribute("datetime", d.timestamp);
      when.textContent = word("just-now", "just now");
      item.appendChild(who);
      item.appendChild(amount);
      item.appendChild(when);
      if (d.message) {
        var message = document.createElement("p");
        message.className = "donation-message";
        message.textContent = d.message; // text, never HTML
        item.appendChild(message);
      }
      list.insertBefore(item, list.firstChild);
      while (list.children.length > MAX_ITEMS) list.removeChild(list.lastChild);
      var empty = root.querySelector("[data-live-empty]");
      if (empty) empty.hidden = true;
    }

    function removeDonation(d) {
      if (!d.id) return;
      var item = root.querySelector('[data-donation-id="' + d.id + '"]');
      if (item) item.parentNode.removeChild(item);
    }

    function connect() {
      var socket;
      try {
        socket = new WebSocket(url);
      } catch (e) {
        return retry();
      }
      socket.onopen = function () {
        delay = 1000;
        showStatus(word("live", "Live"), true);
      };
      socket.onmessage = function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (data.campaign) updateCampaign(data.campaign);
        if (data.type === "new_donation" && data.donation) addDonation(data.donation);
        if (data.type === "donation_refunded" && data.donation) removeDonation(data.donation);
      };
      socket.onclose = function (event) {
        if (event.code === 4404) return; // the campaign cannot be watched
        retry();
      };
    }

    function retry() {
      showStatus(word("reconnecting", "Reconnecting…"), false);
      var wait = delay + Math.floor(Math.random() * 500);
      delay = Math.min(delay * 2, MAX_DELAY);
      window.setTimeout(connect, wait);
    }

    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
