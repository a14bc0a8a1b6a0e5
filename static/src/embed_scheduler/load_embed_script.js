/**
 * Load the Embedded Scheduler's script, an ES module that defines
 * <cronofy-scheduler-button>. loadJS() adds a classic script, which cannot run a
 * module, so a type="module" script element is added instead (once per URL).
 */

const ELEMENT_NAME = "cronofy-scheduler-button";
const DEFINE_TIMEOUT_MS = 15000;
const loading = new Map();

function addModuleScript(url) {
    return new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.type = "module";
        script.src = url;
        script.addEventListener("load", () => resolve());
        script.addEventListener("error", () => {
            script.remove();
            reject(new Error("script"));
        });
        document.head.appendChild(script);
    });
}

function elementDefined() {
    let timer;
    const timeout = new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), DEFINE_TIMEOUT_MS);
    });
    return Promise.race([customElements.whenDefined(ELEMENT_NAME), timeout]).finally(() =>
        clearTimeout(timer)
    );
}

export async function loadEmbedScript(url) {
    if (customElements.get(ELEMENT_NAME)) {
        return;
    }
    if (!loading.has(url)) {
        const promise = addModuleScript(url).then(elementDefined);
        // A failed load may be retried later (network blip, URL fixed in Settings).
        promise.catch(() => loading.delete(url));
        loading.set(url, promise);
    }
    return loading.get(url);
}
