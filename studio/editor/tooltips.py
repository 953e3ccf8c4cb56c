"""Tooltips that get out of the way: a click, a key, the wheel or a drag hides the tooltip shown,
until the pointer leaves what it pressed (Quasar keeps a tooltip up while the pointer stays on its
element, so after a click on a toolbar button its tip sat over the canvas the button changed)."""
from __future__ import annotations

TOOLTIPS_HEAD = '''
<style>
body.swarm-tips-off .q-tooltip { display: none !important; }
</style>
<script>
(() => {
  let under = null;  // the element under the pointer
  let pressed = null;  // what the pointer was on when the tooltips were hidden
  const hide = () => {
    // the whole control, so that moving from its icon to its edge does not count as leaving it
    pressed = under?.closest?.('button, a, .q-item, .q-tab, [draggable="true"]') ?? under;
    document.body.classList.add('swarm-tips-off');
  };
  for (const type of ['pointerdown', 'keydown', 'dragstart']) document.addEventListener(type, hide, true);
  document.addEventListener('wheel', hide, {capture: true, passive: true});
  document.addEventListener('pointerover', (event) => {
    under = event.target;
    if (!pressed || !pressed.contains(under)) {
      pressed = null;
      document.body.classList.remove('swarm-tips-off');
    }
  }, true);
})();
</script>
'''
