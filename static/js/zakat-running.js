/* The zakat calculator's running total: as the form is filled in, an estimate of
   the zakatable wealth and the zakat due is shown under it, so nobody has to
   submit to see where they stand. Progressive: without this script the element
   stays hidden and the Calculate button gives the same (authoritative) result.

   The arithmetic is exact, in integers (BigInt), like the server's Decimal:
   wealth = cash + gold g x price x karat / 24 + silver g x price + investments
   + inventory + receivables - short-term debts (never below 0); zakat is 2.5% of
   it, rounded half-up to the cent once, when wealth reaches the nisab. */
(function () {
  "use strict";

  var SCALE = 12; // every amount is held as an integer count of 10^-12
  var DECIMAL = /^\s*(\d{1,18})(?:\.(\d{0,12}))?\s*$/;

  function pow10(n) {
    var r = BigInt(1);
    for (var i = 0; i < n; i++) r *= BigInt(10);
    return r;
  }

  // "12.5" -> 12500000000000n (at SCALE); "" -> 0n; anything else -> null.
  function parse(text) {
    if (text === undefined || text === null || String(text).trim() === "") return BigInt(0);
    var m = DECIMAL.exec(String(text));
    if (!m) return null;
    var frac = (m[2] || "").padEnd(SCALE, "0");
    return BigInt(m[1]) * pow10(SCALE) + BigInt(frac);
  }

  function roundHalfUp(num, den) {
    return (num * BigInt(2) + den) / (den * BigInt(2));
  }

  function formatCents(cents) {
    var negative = cents < 0;
    if (negative) cents = -cents;
    var whole = (cents / BigInt(100)).toString();
    var part = (cents % BigInt(100)).toString().padStart(2, "0");
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + "." + part;
  }

  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field ? field.value : "";
  }

  function init() {
    var box = document.querySelector("[data-zakat-running]");
    if (!box || typeof BigInt === "undefined") return;
    var form = box.closest("form");
    var unit = pow10(SCALE);
    var goldPrice = parse(box.getAttribute("data-gold-price"));
    var silverPrice = parse(box.getAttribute("data-silver-price"));
    var nisab = {
      gold: parse(box.getAttribute("data-nisab-gold")),
      silver: parse(box.getAttribute("data-nisab-silver")),
    };
    var out = box.querySelector("[data-running-text]");

    function update() {
      var names = ["cash", "investments", "business_inventory", "receivables"];
      var plain = BigInt(0);
      for (var i = 0; i < names.length; i++) {
        var v = parse(value(form, names[i]));
        if (v === null) return show(null);
        plain += v;
      }
      var debts = parse(value(form, "short_term_debts"));
      var gold = parse(value(form, "gold_grams"));
      var silver = parse(value(form, "silver_grams"));
      var karatText = value(form, "gold_karat").trim();
      var karat = karatText === "" ? 24 : Number(karatText);
      if (debts === null || gold === null || silver === null) return show(null);
      if (!Number.isInteger(karat) || karat < 1 || karat > 24) return show(null);
      // Everything x24 so the gold's karat/24 stays an integer division done last.
      var total =
        (plain - debts) * BigInt(24) * unit +
        gold * goldPrice * BigInt(karat) +
        silver * silverPrice * BigInt(24);
      // total is at SCALE*2 and x24; back to cents: / (24 * 10^(2*SCALE - 2)).
      var toCents = BigInt(24) * pow10(2 * SCALE - 2);
      if (total < 0) total = BigInt(0);
      var checked = form.querySelector("input[name=nisab_standard]:checked");
      var standard = checked ? checked.value : box.getAttribute("data-standard");
      var threshold = (nisab[standard] || BigInt(0)) * BigInt(24) * unit;
      var due = total >= threshold;
      var zakat = due ? roundHalfUp(total * BigInt(25), toCents * BigInt(1000)) : BigInt(0);
      show({ wealth: roundHalfUp(total, toCents), zakat: zakat, due: due });
    }

    function show(result) {
      if (result === null) {
        out.textContent = box.getAttribute("data-text-invalid");
        return;
      }
      var template = box.getAttribute(result.due ? "data-text-due" : "data-text-below");
      out.textContent = template
        .replace("{wealth}", formatCents(result.wealth))
        .replace("{zakat}", formatCents(result.zakat));
      box.setAttribute("data-zakat-cents", result.zakat.toString());
    }

    box.hidden = false;
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
