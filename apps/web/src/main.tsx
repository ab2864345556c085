// Entry point: mounts the sign-in page, with the page's one clock (the only place it is read).

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
const clock = { now: () => Date.now() };
createRoot(root).render(
  <StrictMode>
    <App clock={clock} />
  </StrictMode>,
);
