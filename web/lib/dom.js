// Two small helpers for building the page's DOM without innerHTML (the CSP forbids inline
// styles and scripts anyway; text always goes in as text).

export const $ = (id) => document.getElementById(id);

/** el('p', { class: 'note', text: 'Hi', onclick: f, 'aria-label': 'x' }, ...children) */
export const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
};

/** PyTorch's way of writing a shape: (6, 6), and (2,) for one axis. */
export const shapeText = (shape) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
