// The ordering bot's chat page (C4): Lex V2 RecognizeText with Cognito guest credentials. When the bot asks for
// the code and "Send my code encrypted" is on, the code is KMS-encrypted in the browser (context: purpose and
// this chat's Lex session id) and sent only as the encryptedPin session attribute, never as text.
// Messages are rendered with textContent only: nothing from the bot or the user is ever parsed as HTML.
import { LexRuntimeV2Client, RecognizeTextCommand } from "@aws-sdk/client-lex-runtime-v2";
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
// The package's browser entry (its "browser" map names it without the .js esbuild resolves to).
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers/dist-es/index.browser.js";
import { KMSClient, EncryptCommand } from "@aws-sdk/client-kms";

const PURPOSE = "ordering-bot-pin";
const PIN_SLOT = "Pin";
const $ = (id) => document.getElementById(id);

function base64(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function show(who, text) {
  const item = document.createElement("li");
  item.className = who;
  item.textContent = text;
  $("log").append(item);
  item.scrollIntoView({ block: "end" });
}

async function start() {
  const config = await (await fetch("config.json", { cache: "no-store" })).json();
  const endpoints = config.endpoints || {};
  const credentials = fromCognitoIdentityPool({
    client: new CognitoIdentityClient({ region: config.region, endpoint: endpoints.cognitoIdentity }),
    identityPoolId: config.identityPoolId,
  });
  const lex = new LexRuntimeV2Client({ region: config.region, endpoint: endpoints.lex, credentials });
  const kms = new KMSClient({ region: config.region, endpoint: endpoints.kms, credentials });
  const sessionId = crypto.randomUUID();
  let attributes = {};  // what the bot last returned: the hook keeps its state (and its signed proof) there
  let wantsPin = false;

  async function send(typed) {
    const sessionAttributes = { ...attributes, email: $("email").value.trim() };
    let text = typed;
    if (wantsPin && $("encrypt").checked) {
      const sealed = await kms.send(new EncryptCommand({
        KeyId: config.kmsKeyId,
        Plaintext: new TextEncoder().encode(typed.replace(/\D/g, "")),
        EncryptionContext: { purpose: PURPOSE, sessionId },
      }));
      sessionAttributes.encryptedPin = base64(sealed.CiphertextBlob);
      text = "******";
    }
    show("user", wantsPin ? "••••••" : typed);
    const answer = await lex.send(new RecognizeTextCommand({
      botId: config.botId, botAliasId: config.botAliasId, localeId: config.localeId, sessionId, text,
      sessionState: { sessionAttributes },
    }));
    attributes = { ...(answer.sessionState?.sessionAttributes || {}) };
    delete attributes.encryptedPin;
    const action = answer.sessionState?.dialogAction || {};
    wantsPin = action.type === "ElicitSlot" && action.slotToElicit === PIN_SLOT;
    $("text").type = wantsPin ? "password" : "text";
    $("text").inputMode = wantsPin ? "numeric" : "text";
    $("text").placeholder = wantsPin ? "The code from the text message" : "";
    for (const message of answer.messages || []) show("bot", message.content || "");
  }

  $("say").addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = $("text").value.trim();
    if (!typed) return;
    if (!$("email").reportValidity()) return;
    $("text").value = "";
    $("send").disabled = true;
    $("status").textContent = "…";
    try {
      await send(typed);
      $("status").textContent = "";
    } catch (error) {
      $("status").textContent = "Sorry, something went wrong. Please try again.";
      console.error(error.name);
    } finally {
      $("send").disabled = false;
      $("text").focus();
    }
  });
  $("text").disabled = false;
  $("send").disabled = false;
  $("status").textContent = "";
}

start().catch((error) => {
  $("status").textContent = "The chat is unavailable.";
  console.error(error.name);
});
