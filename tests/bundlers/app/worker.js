// A module Worker that runs the app's book() and posts back what it gave.
import { book } from './book.js';

self.onmessage = async (e) => self.postMessage(await book(e.data.threads));
