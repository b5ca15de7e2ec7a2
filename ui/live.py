"""Small scripts that run in the browser: a per-question timer (no reruns to tick) and scrolling to new messages."""

from __future__ import annotations

import streamlit as st

from interviewer.report import clock

# Only numbers we computed go into this snippet: never any text a candidate typed.
_TEMPLATE = """
<div class="iv-timer" style="font-size:0.9rem;opacity:0.8;font-variant-numeric:tabular-nums">
  Time on this question: <span class="iv-timer-value">{shown}</span><span class="iv-target"></span>
</div>
<script>
(function () {{
  var base = Date.now() - {elapsed_ms};
  var target = {target};          // seconds; 0: no target
  var minutes = Math.round(target / 6) / 10;
  if (window.__ivTimer) {{ clearInterval(window.__ivTimer); }}
  function tick() {{
    var els = document.querySelectorAll('.iv-timer-value');
    if (!els.length) {{ clearInterval(window.__ivTimer); window.__ivTimer = null; return; }}
    var s = Math.max(0, Math.floor((Date.now() - base) / 1000));
    var text = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
    els.forEach(function (el) {{ el.textContent = text; }});
    document.querySelectorAll('.iv-target').forEach(function (el) {{
      if (!target) {{ el.textContent = ''; return; }}
      var over = s >= target;
      el.textContent = over ? ' · past the ' + minutes + '-minute target: wrap up with your main point'
                            : ' · aim for about ' + minutes + ' min';
      el.style.color = over ? '#b26a00' : '';
    }});
  }}
  window.__ivTimer = setInterval(tick, 1000);
  tick();
}})();
</script>
"""


def timer(seconds: float, target: int | None = None) -> None:
    """Show the time spent on the waiting prompt, ticking every second, against a gentle target (seconds)."""
    st.html(_TEMPLATE.format(shown=clock(seconds), elapsed_ms=int(seconds * 1000), target=int(target or 0)),
            unsafe_allow_javascript=True)


_FOLLOW = """
<span class="iv-follow" data-entries="{count}" style="display:none"></span>
<script>
(function () {{
  // Scroll to the newest message when the transcript grew (or on first load), not on every rerun.
  if ((window.__ivSeen || 0) === {count} && window.__ivSession === "{session}") {{ return; }}
  window.__ivSeen = {count}; window.__ivSession = "{session}";
  setTimeout(function () {{
    var all = document.querySelectorAll('[data-testid="stChatMessage"]');
    if (!all.length) {{ return; }}
    var head = document.querySelector('.st-key-iv-head');      // the sticky header must not hide it
    var last = all[Math.min({focus}, all.length - 1)];
    last.style.scrollMarginTop = (head ? head.getBoundingClientRect().height + 70 : 0) + 'px';
    last.scrollIntoView({{block: "start", behavior: "instant"}});
  }}, 150);
}})();
</script>
"""


def follow(count: int, session: str, focus: int | None = None) -> None:
    """Scroll the page to the newest chat message (or the ``focus``-th) whenever the transcript has grown."""
    safe = "".join(ch for ch in session if ch.isalnum() or ch == "-")   # a uuid; never raw URL text in a script
    at = int(focus) if focus is not None else 1_000_000
    st.html(_FOLLOW.format(count=int(count), session=safe, focus=at), unsafe_allow_javascript=True)


# The interview's header (progress, timer, the waiting question) stays in sight while the page scrolls
# and the input grows; 3.75rem is Streamlit's own top bar. On a phone the question is cut to three lines.
_STICKY = """
<style>
[data-testid="stLayoutWrapper"]:has(> .st-key-iv-head) {{ position: sticky; top: 3.75rem; z-index: 99;
  background-color: {background} !important; padding: 0.25rem 0 0.4rem;
  border-bottom: 1px solid rgba(128, 128, 128, 0.3); }}
.st-key-iv-prompt p {{ margin: 0; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 4;
  overflow: hidden; }}
@media (max-width: 640px) {{
  [data-testid="stLayoutWrapper"]:has(> .st-key-iv-head) {{ top: 3rem; }}
  .st-key-iv-prompt p {{ -webkit-line-clamp: 3; font-size: 0.85rem; }}
  .st-key-iv-controls [data-testid="stCaptionContainer"] {{ display: none; }}
}}
</style>
"""


def sticky_header() -> None:
    """Keep the interview's header (key ``iv-head``) pinned under the top bar, in the theme's background."""
    dark = getattr(getattr(st.context, "theme", None), "type", None) == "dark"
    st.html(_STICKY.format(background="#0e1117" if dark else "#ffffff"))
